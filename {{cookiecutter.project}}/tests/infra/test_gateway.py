"""Traffic on the Gateway API, against the rules of the controllers that act on it: the Gateway API's
matching (v1.6.1 standard CRDs), Argo Rollouts v1.9.1 and its Gateway API plugin v0.15.0
(argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi), and Argo CD's diffing."""

import copy
import math
import re

import pytest
import yaml

from .k8s import (
    OVERLAYS,
    OVERLAYS_DIR,
    PROJECT,
    SERVER_PODS,
    CrdSchemas,
    K8sObject,
    kubernetes_errors,
    load_documents,
    named,
    only,
    render,
)

ARGOCD_PRODUCTION = OVERLAYS_DIR.parent.parent / "argocd" / "production.yaml"
PLATFORM = OVERLAYS_DIR.parent / "platform" / "argo-rollouts-gateway-api.yaml"
GATEWAY = OVERLAYS_DIR.parent / "platform" / "gateway.yaml"
NAMESPACE_NAME = "kubernetes.io/metadata.name"
PUBLIC = [
    "/predict", "/v2", "/v2/", "/v2/models/m/infer", "/v2/health/ready", "/model", "/readyz", "/openapi.json",
    "/v1/outcomes",
]  # fmt: skip
PRIVATE = [
    "/metrics", "/docs", "/redoc", "/healthz", "/", "/predict/", "/predictx", "/v2x", "/model/x", "/v1",
    "/v1/outcomes/x",
]  # fmt: skip
# The fields of the plugin's configuration (pkg/plugin/types.go:40-95 at v0.15.0); the Rollout CRD
# does not check them (its `plugins` preserves unknown fields), so a misspelt key would be ignored.
PLUGIN_FIELDS = {
    "httpRoute", "grpcRoute", "tcpRoute", "tlsRoute", "namespace", "configMap", "httpRoutes", "tcpRoutes",
    "grpcRoutes", "tlsRoutes", "httpRouteSelector", "grpcRouteSelector", "tcpRouteSelector",
    "tlsRouteSelector", "disableInProgressLabel", "inProgressLabelKey", "inProgressLabelValue",
}  # fmt: skip
PLUGIN = "argoproj-labs/gatewayAPI"
# The label the plugin puts on a route while a canary has weight (internal/defaults/defaults.go:4-5).
IN_PROGRESS_LABEL = "rollouts.argoproj.io/gatewayapi-canary"
# An HTTPRoute rule's name (gateway.networking.k8s.io_httproutes.yaml:3078).
RULE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MAX_RULES = 16  # the CRD's maxItems for spec.rules


@pytest.fixture(scope="module")
def production() -> list[K8sObject]:
    return render(OVERLAYS_DIR / "production")


@pytest.fixture(scope="module")
def canary(production: list[K8sObject]) -> K8sObject:
    strategy: K8sObject = only(production, "Rollout")["spec"]["strategy"]["canary"]
    return strategy


def path_matches(match: K8sObject, path: str) -> bool:
    """Exact is the whole path; PathPrefix matches whole path elements, a trailing `/` ignored
    (gateway.networking.k8s.io_httproutes.yaml:2334-2340)."""
    rule = match.get("path", {"type": "PathPrefix", "value": "/"})
    if rule["type"] == "Exact":
        return bool(path == rule["value"])
    assert rule["type"] == "PathPrefix", "RegularExpression matching is implementation-specific"
    prefix = [part for part in rule["value"].split("/") if part]
    return [part for part in path.split("/") if part][: len(prefix)] == prefix


def headers_match(match: K8sObject, headers: dict[str, str]) -> bool:
    """Exact header matches, names compared without case (httproutes.yaml:2852-2913)."""
    sent = {name.lower(): value for name, value in headers.items()}
    return all(sent.get(header["name"].lower()) == header["value"] for header in match.get("headers", []))


def chosen_rule(
    route: K8sObject, method: str, path: str, headers: dict[str, str] | None = None
) -> str | None:
    """The rule a conformant Gateway sends a request to: among matching rules, precedence goes to an
    Exact path, then the longest prefix, then a method match, then header matches, then the first rule
    (httproutes.yaml:2816-2838)."""
    candidates = []
    for index, rule in enumerate(route["spec"]["rules"]):
        for match in rule.get("matches", [{}]):
            if (
                path_matches(match, path)
                and match.get("method", method) == method
                and headers_match(match, headers or {})
            ):
                value = match.get("path", {}).get("value", "/")
                exact = match.get("path", {}).get("type") == "Exact"
                rank = (exact, len(value), "method" in match, len(match.get("headers", [])), -index)
                candidates.append((rank, rule.get("name")))
    return max(candidates)[1] if candidates else None


@pytest.fixture(scope="module", params=OVERLAYS)
def route(request: pytest.FixtureRequest) -> K8sObject:
    return only(render(OVERLAYS_DIR / request.param), "HTTPRoute")


@pytest.mark.parametrize("path", PUBLIC)
def test_the_api_is_routed(route: K8sObject, path: str) -> None:
    assert chosen_rule(route, "GET", path) or chosen_rule(route, "POST", path)


@pytest.mark.parametrize("path", PRIVATE)
def test_nothing_else_is_routed(route: K8sObject, path: str) -> None:
    assert chosen_rule(route, "GET", path) is None
    assert chosen_rule(route, "POST", path) is None


@pytest.mark.parametrize(
    ("method", "path", "rule"),
    [
        ("POST", "/predict", "inference"),
        ("POST", "/v2/models/m/infer", "inference"),
        ("POST", "/v2/models/m/versions/1/infer", "inference"),
        ("GET", "/v2/models/m", "api"),
        ("GET", "/v2/health/ready", "api"),
        ("GET", "/model", "api"),
    ],
)
def test_only_inference_requests_take_the_inference_rule(
    route: K8sObject, method: str, path: str, rule: str
) -> None:
    """Production mirrors the inference rule's requests to the canary: probes and metadata must not be."""
    assert chosen_rule(route, method, path) == rule


def test_every_route_attaches_to_the_shared_gateway_with_its_host(route: K8sObject) -> None:
    [parent] = route["spec"]["parentRefs"]
    assert (parent["kind"], parent["group"]) == ("Gateway", "gateway.networking.k8s.io")
    namespace = route["metadata"].get("namespace", "")
    assert parent["namespace"]
    assert parent["namespace"] != namespace
    if not namespace.endswith("-preview"):  # the ApplicationSet adds each preview's host
        assert len(route["spec"]["hostnames"]) == 1


def test_every_service_reference_names_a_port(route: K8sObject) -> None:
    """The CRD's CEL rule "Must have port for Service reference" (httproutes.yaml:1616, 2248), which a
    JSON-schema check does not evaluate."""
    for rule in route["spec"]["rules"]:
        mirrors = [f["requestMirror"]["backendRef"] for f in rule.get("filters", []) if "requestMirror" in f]
        for ref in [*rule["backendRefs"], *mirrors]:
            assert ref.get("kind", "Service") == "Service"
            assert isinstance(ref.get("port"), int), ref


def test_production_rules_carry_the_stable_and_the_canary_at_100_and_0(production: list[K8sObject]) -> None:
    """The plugin's SetWeight sets the canary's backendRef to the weight and the stable's to 100 minus it
    in every rule that is not a managed one, and fails when either is missing (pkg/plugin/httproute.go:
    15-73). After a promotion it sets weight 0 again, so git must hold exactly 100/0, or Argo CD shows a
    permanent difference. A rule whose only backendRef is the canary passes for a managed rule and is
    skipped, or deleted (httproute.go:196-214)."""
    route = named(production, "HTTPRoute", "server")
    for rule in route["spec"]["rules"]:
        assert {ref["name"]: ref["weight"] for ref in rule["backendRefs"]} == {
            f"{PROJECT}-server-stable": 100,
            f"{PROJECT}-server-canary": 0,
        }


def test_only_the_inference_rule_mirrors_to_the_canary_pods(production: list[K8sObject]) -> None:
    route = named(production, "HTTPRoute", "server")
    mirrors = {rule["name"]: rule.get("filters", []) for rule in route["spec"]["rules"]}
    [mirror] = mirrors.pop("inference")
    assert all(not filters for filters in mirrors.values())
    assert mirror["type"] == "RequestMirror"
    assert mirror["requestMirror"]["backendRef"]["name"] == f"{PROJECT}-server-shadow"
    assert 0 < mirror["requestMirror"]["percent"] <= 100
    assert "fraction" not in mirror["requestMirror"]  # percent and fraction exclude each other


def test_the_services_select_the_server_pods_and_the_shadow_only_the_canarys(
    production: list[K8sObject], canary: K8sObject
) -> None:
    """Argo Rollouts narrows the stable and canary Services to their ReplicaSets itself; the canary
    Service points at the stable pods whenever no rollout runs (rollout/service.go:255-288), so the
    mirror goes to a Service selecting the canary's ephemeral label, which only a canary's pods carry
    (docs/features/ephemeral-metadata.md)."""
    server = named(production, "Service", "server")["spec"]["selector"]
    stable = named(production, "Service", "server-stable")
    assert canary["stableService"] == stable["metadata"]["name"]
    assert named(production, "Service", "server-canary")["metadata"]["name"] == canary["canaryService"]
    for suffix in ("server-stable", "server-canary"):
        assert named(production, "Service", suffix)["spec"]["selector"] == server
    shadow = named(production, "Service", "server-shadow")["spec"]["selector"]
    assert shadow == {**server, **canary["canaryMetadata"]["labels"]}
    assert canary["stableMetadata"]["labels"].items() - canary["canaryMetadata"]["labels"].items()
    # The ServiceMonitor selects the base Service only: each pod is scraped once.
    monitor = only(production, "ServiceMonitor")["spec"]["selector"]["matchLabels"]
    services = [obj for obj in production if obj["kind"] == "Service"]
    assert [
        s["metadata"]["name"] for s in services if monitor.items() <= s["metadata"]["labels"].items()
    ] == [f"{PROJECT}-server"]


def test_the_plugin_configuration_names_the_route_and_only_known_fields(
    production: list[K8sObject], canary: K8sObject
) -> None:
    routing = canary["trafficRouting"]
    config = routing["plugins"][PLUGIN]
    assert set(config) <= PLUGIN_FIELDS
    [entry] = config["httpRoutes"]
    assert entry["name"] == named(production, "HTTPRoute", "server")["metadata"]["name"]
    # In the list form useHeaderRoutes defaults to false, and setHeaderRoute then skips the route
    # (pkg/plugin/plugin.go:128-131, 350-356).
    assert entry["useHeaderRoutes"] is True
    # The plugin computes the stable's weight as 100 minus the canary's (httproute.go:22): any other
    # scale would route wrongly. Dynamic stable scaling saves nothing at these replica counts and makes
    # an abort gradual (docs/features/canary/index.md:136-173).
    assert "maxTrafficWeight" not in routing
    assert not canary.get("dynamicStableScale", False)


def test_the_header_route_is_managed_and_has_a_canary_pod_to_reach(canary: K8sObject) -> None:
    """Every setHeaderRoute names a managed route (pkg/apis/rollouts/validation/validation.go:372-387),
    whose name becomes an HTTPRoute rule name. The controller removes managed routes whenever the canary
    has no available pod (rollout/trafficrouting.go:222-233), so a canary pod comes first; an exact
    header match is the Gateway API's core match (httproutes.yaml:2887-2894)."""
    steps = canary["steps"]
    managed = {route["name"] for route in canary["trafficRouting"]["managedRoutes"]}
    headers = [index for index, step in enumerate(steps) if "setHeaderRoute" in step]
    assert headers
    for index in headers:
        header = steps[index]["setHeaderRoute"]
        assert header["name"] in managed
        assert RULE_NAME.fullmatch(header["name"])
        assert header["match"] == [{"headerName": "X-Model-Variant", "headerValue": {"exact": "canary"}}]
        scales = [step["setCanaryScale"] for step in steps[:index] if "setCanaryScale" in step]
        assert scales
        assert scales[-1].get("replicas", 0) >= 1


def test_the_header_route_takes_the_requests_with_its_header_and_only_those(
    production: list[K8sObject], canary: K8sObject
) -> None:
    """A header rule has one header match more than the rule it copies, so it wins for requests that
    carry the header, whatever the case of its name, and for no other (httproutes.yaml:2816-2838)."""
    [step] = [step["setHeaderRoute"] for step in canary["steps"] if "setHeaderRoute" in step]
    live = set_header_route(named(production, "HTTPRoute", "server"), canary["canaryService"], step)
    for method, path, rule in [("POST", "/predict", "inference"), ("GET", "/model", "api")]:
        assert str(chosen_rule(live, method, path, {"x-model-variant": "canary"})).startswith(step["name"])
        assert chosen_rule(live, method, path) == rule
        assert chosen_rule(live, method, path, {"X-Model-Variant": "stable"}) == rule
    # The copy of the inference rule keeps its mirror: header-routed requests are mirrored too.
    copied = [r for r in live["spec"]["rules"] if r["name"].startswith(step["name"]) and r.get("filters")]
    assert len(copied) == 1


def test_the_shadow_stage_judges_the_canary_before_any_user_weight(canary: K8sObject) -> None:
    steps = canary["steps"]
    first_weight = next(index for index, step in enumerate(steps) if "setWeight" in step)
    analyses = [step["analysis"] for step in steps[:first_weight] if "analysis" in step]
    assert [analysis["templates"] for analysis in analyses] == [[{"templateName": "shadow-agreement"}]]
    args = {arg["name"]: arg["valueFrom"]["podTemplateHashValue"] for arg in analyses[0]["args"]}
    assert args == {"canary-hash": "Latest", "stable-hash": "Stable"}


def canary_pods_after_each_step(steps: list[K8sObject], replicas: int) -> list[int]:
    """The canary's desired pods after each step: a setCanaryScale holds until one says
    matchTrafficWeight, otherwise the last setWeight's share of spec.replicas, rounded up; the stable
    keeps all of spec.replicas (argo-rollouts v1.9.1 utils/replicaset/canary.go:371-389, 496-508,
    546-596)."""
    weight, scale, pods = 0, None, []
    for step in steps:
        weight = step.get("setWeight", weight)
        if "setCanaryScale" in step:
            scale = None if step["setCanaryScale"].get("matchTrafficWeight") else step["setCanaryScale"]
        if scale is None:
            pods.append(math.ceil(weight * replicas / 100))
        else:
            pods.append(scale.get("replicas", math.ceil(scale.get("weight", 0) * replicas / 100)))
    return pods


@pytest.mark.parametrize("replicas", [2, 3, 10])
def test_the_canary_keeps_a_pod_from_its_header_route_to_its_promotion(
    canary: K8sObject, replicas: int
) -> None:
    """Argo Rollouts drops the managed routes whenever the canary has no available pod, and sets them
    only at their own step (rollout/trafficrouting.go:222-233, 276-290): a canary scaled to 0 on the
    way, by matchTrafficWeight at weight 0 for one, loses its header route and its warm pod for good.
    And from the last weight on the pods follow the weight, or one pod would take 50% of requests
    (docs/features/canary/index.md:115-134)."""
    steps = canary["steps"]
    header = next(index for index, step in enumerate(steps) if "setHeaderRoute" in step)
    pods = canary_pods_after_each_step(steps, replicas)
    assert min(pods[header:]) >= 1
    last_weight = max(index for index, step in enumerate(steps) if "setWeight" in step)
    assert pods[-1] == math.ceil(steps[last_weight]["setWeight"] * replicas / 100)


@pytest.mark.parametrize("replicas", [2, 3, 10])
def test_each_step_sends_exactly_its_weight_whatever_the_replica_count(
    production: list[K8sObject], canary: K8sObject, replicas: int
) -> None:
    """The route's weights are the step's weight verbatim (rollout/trafficrouting.go:260-265, plugin
    httproute.go:44-47), applied to the rendered route under the Services the Rollout names: at 2
    replicas a 5% step is 5% of requests, where the replica ratio of an Ingress canary would send it
    1 pod of 3, a third."""
    route = named(production, "HTTPRoute", "server")
    steps = canary["steps"]
    pods = canary_pods_after_each_step(steps, replicas)
    for index, step in enumerate(steps):
        if "setWeight" not in step:
            continue
        weight = step["setWeight"]
        live = set_weight(route, canary["stableService"], canary["canaryService"], weight)
        for rule in live["spec"]["rules"]:
            weights = {ref["name"]: ref["weight"] for ref in rule["backendRefs"]}
            assert weights[canary["canaryService"]] / sum(weights.values()) == weight / 100
        assert pods[index] >= 1
    assert next(step["setWeight"] for step in steps if "setWeight" in step) == 5


def set_weight(route: K8sObject, stable: str, canary_name: str, weight: int) -> K8sObject:
    """The plugin's SetWeight on a copy: canary backendRefs get the weight, stable ones 100 minus it, in
    every rule but the managed ones, and the in-progress label while the weight is above 0
    (httproute.go:15-73, labels.go:9-42)."""
    live = copy.deepcopy(route)
    for rule in live["spec"]["rules"]:
        for ref in rule["backendRefs"]:
            if ref["name"] == canary_name:
                ref["weight"] = weight
            elif ref["name"] == stable:
                ref["weight"] = 100 - weight
    labels = live.setdefault("metadata", {}).setdefault("labels", {})
    if weight > 0:
        labels[IN_PROGRESS_LABEL] = "in-progress"
    return live


def set_header_route(route: K8sObject, canary_name: str, step: K8sObject) -> K8sObject:
    """The plugin's SetHeaderRoute on a copy: for each rule holding the canary, a rule appended with the
    rule's matches plus the step's header (an exact value as an Exact match), its filters, and the
    canary alone; later copies named -1, -2... (httproute.go:75-194, 234-261)."""
    [wanted] = step["match"]
    header = {"name": wanted["headerName"], "type": "Exact", "value": wanted["headerValue"]["exact"]}
    name = step["name"]
    live = copy.deepcopy(route)
    added: list[K8sObject] = []
    for rule in live["spec"]["rules"]:
        if any(ref["name"] == canary_name for ref in rule["backendRefs"]):
            canary_ref = next(ref for ref in rule["backendRefs"] if ref["name"] == canary_name)
            matches = [{**match, "headers": [header]} for match in rule.get("matches", [{}])]
            suffix = f"-{len(added)}" if added else ""
            added.append(
                {
                    "name": name + suffix,
                    "matches": matches,
                    "filters": rule.get("filters", []),
                    "backendRefs": [{**canary_ref, "weight": 0}],
                }
            )
    live["spec"]["rules"] += added
    return live


def drop_weights(route: K8sObject) -> None:
    for rule in route["spec"]["rules"]:
        for ref in rule["backendRefs"]:
            ref.pop("weight", None)


def drop_header_rules(route: K8sObject) -> None:
    rules = route["spec"]["rules"]
    rules[:] = [rule for rule in rules if not re.fullmatch(r"canary-header(-[0-9]+)?", rule.get("name", ""))]


def drop_in_progress_label(route: K8sObject) -> None:
    route["metadata"].get("labels", {}).pop(IN_PROGRESS_LABEL, None)


# What the production Application's ignoreDifferences leave out of the diff, each expression with what
# it selects done in Python; a changed expression fails below until this table says what it means.
IGNORED = {
    ".spec.rules[].backendRefs[]?.weight": drop_weights,
    '.spec.rules[] | select((.name // "") | test("^canary-header(-[0-9]+)?$"))': drop_header_rules,
    "/metadata/labels/rollouts.argoproj.io~1gatewayapi-canary": drop_in_progress_label,
}


def without_ignored(route: K8sObject) -> K8sObject:
    stripped = copy.deepcopy(route)
    for strip in IGNORED.values():
        strip(stripped)
    return stripped


def test_argo_cd_leaves_the_plugins_changes_alone_during_a_canary(
    production: list[K8sObject], canary: K8sObject
) -> None:
    """Nothing watches the route for the plugin: a sync that wrote git's weights back mid-canary would
    send every user to the stable until the next reconcile (argo-rollouts docs/features/
    traffic-management/istio.md:496-551, the plugin's docs/features/header-based-routing.md:112-125).
    What the plugin changes is exactly what the Application ignores, so the route stays Synced, and
    ApplyOutOfSyncOnly skips it in a sync started by another change (argo-cd v3.5.1 controller/sync.go:
    323). A change to the route's rules in git is still a difference, and reaches the cluster:
    RespectIgnoreDifferences would not let it, patching a custom resource's whole rules list from the
    live one (controller/sync.go:421-491)."""
    [application] = load_documents(ARGOCD_PRODUCTION)
    [ignored] = application["spec"]["ignoreDifferences"]
    assert (ignored["group"], ignored["kind"]) == ("gateway.networking.k8s.io", "HTTPRoute")
    route = named(production, "HTTPRoute", "server")
    assert ignored["name"] == route["metadata"]["name"]
    assert [*ignored["jqPathExpressions"], *ignored["jsonPointers"]] == list(IGNORED)
    options = application["spec"]["syncPolicy"]["syncOptions"]
    assert "ApplyOutOfSyncOnly=true" in options
    assert "RespectIgnoreDifferences=true" not in options
    [header_step] = [step["setHeaderRoute"] for step in canary["steps"] if "setHeaderRoute" in step]
    live = set_header_route(route, canary["canaryService"], header_step)
    live = set_weight(live, canary["stableService"], canary["canaryService"], 25)
    assert live != route
    assert without_ignored(live) == without_ignored(route)
    changed = copy.deepcopy(route)
    changed["spec"]["rules"][0]["filters"][0]["requestMirror"]["percent"] += 5
    assert without_ignored(live) != without_ignored(changed)
    # The header rules fit beside the route's own: the CRD allows 16 rules in all.
    assert len(live["spec"]["rules"]) <= MAX_RULES
    assert all(RULE_NAME.fullmatch(rule["name"]) for rule in live["spec"]["rules"])


def test_the_canary_may_ask_the_stable_pods_in_production_only(production: list[K8sObject]) -> None:
    """The shadow stage's agreement: a canary sends the stable Service the request it answered."""
    policy = only(production, "NetworkPolicy")["spec"]
    assert any(rule["to"] == [SERVER_PODS] for rule in policy["egress"])
    configs = [obj for obj in production if obj["kind"] == "ConfigMap"]
    stable_url = f"APP_SHADOW_STABLE_URL=http://{PROJECT}-server-stable"
    assert any(
        config["data"].get("APP_SHADOW_STABLE_URL") == stable_url.partition("=")[2] for config in configs
    )
    for overlay in set(OVERLAYS) - {"production"}:
        objects = render(OVERLAYS_DIR / overlay)
        assert not any("APP_SHADOW_STABLE_URL" in obj.get("data", {}) for obj in objects)


def test_the_plugin_is_registered_by_a_pinned_checksum_with_the_least_rights_it_uses(
    canary: K8sObject,
) -> None:
    """The controller checks a download's sha256 only for http(s) locations, as 64 lowercase hex
    characters compared as strings (argo-rollouts v1.9.1 utils/plugin/downloader.go:54-71, 140-169); the
    ConfigMap must be `argo-rollouts-config` in the controller's namespace (docs/features/
    traffic-management/plugins.md). The plugin updates whole routes (pkg/plugin/httproute.go:63, 184, 291)
    and reads Services; it needs nothing else (docs/installation.md:99-159)."""
    objects = {obj["kind"]: obj for obj in load_documents(PLATFORM)}
    for obj in objects.values():
        assert kubernetes_errors(obj) == []
    config = objects["ConfigMap"]
    assert (config["metadata"]["name"], config["metadata"]["namespace"]) == (
        "argo-rollouts-config",
        "argo-rollouts",
    )
    [plugin] = yaml.safe_load(config["data"]["trafficRouterPlugins"])
    assert plugin["name"] == PLUGIN
    assert set(canary["trafficRouting"]["plugins"]) == {PLUGIN}
    assert re.fullmatch(
        r"https://github\.com/argoproj-labs/[^/]+/releases/download/v[0-9.]+/[-a-z0-9]+", plugin["location"]
    )
    assert re.fullmatch(r"[0-9a-f]{64}", plugin["sha256"])
    rules = {
        (group, resource): set(rule["verbs"])
        for rule in objects["ClusterRole"]["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert rules == {
        ("", "services"): {"get"},
        ("gateway.networking.k8s.io", "httproutes"): {"get", "update", "patch"},
    }
    [subject] = objects["ClusterRoleBinding"]["subjects"]
    assert (subject["name"], subject["namespace"]) == ("argo-rollouts", "argo-rollouts")
    assert objects["ClusterRoleBinding"]["roleRef"]["name"] == objects["ClusterRole"]["metadata"]["name"]


def host_matches(listener_host: str | None, route_host: str) -> bool:
    """A listener's hostname against one of a route's: equal, or under the listener's wildcard by one
    label or more, or a route wildcard covering the listener's host (httproutes.yaml:70-83)."""
    if listener_host is None:
        return True
    if listener_host.startswith("*."):
        return route_host.endswith(listener_host[1:]) or route_host == listener_host
    if route_host.startswith("*."):
        return listener_host.endswith(route_host[1:])
    return listener_host == route_host


def admits(listener: K8sObject, gateway_namespace: str, labels: dict[str, str]) -> bool:
    """Listener.allowedRoutes.namespaces: Same by default, All, or Selector on the route's namespace's
    labels (gateway.networking.k8s.io_gateways.yaml:518-659)."""
    namespaces = listener.get("allowedRoutes", {}).get("namespaces", {})
    source = namespaces.get("from", "Same")
    if source == "All":
        return True
    if source == "Same":
        return labels[NAMESPACE_NAME] == gateway_namespace
    selector = namespaces["selector"]
    assert "matchExpressions" not in selector, "extend this model for expressions"
    return bool(selector["matchLabels"].items() <= labels.items())


def served_hosts(gateway: K8sObject, route: K8sObject, labels: dict[str, str]) -> set[str]:
    """The hosts of `route` that reach it through `gateway`: per listener that admits the route's
    namespace, the route's hostnames that intersect the listener's (no hostnames: the listener's)."""
    [parent] = route["spec"]["parentRefs"]
    if (parent["name"], parent["namespace"]) != (
        gateway["metadata"]["name"],
        gateway["metadata"]["namespace"],
    ):
        return set()
    served = set()
    for listener in gateway["spec"]["listeners"]:
        if not admits(listener, gateway["metadata"]["namespace"], labels):
            continue
        hosts = route["spec"].get("hostnames") or [listener.get("hostname", "*")]
        # What is served is the intersection: the more specific of the two names.
        served |= {
            host
            if listener.get("hostname") is None or len(host) >= len(listener["hostname"])
            else listener["hostname"]
            for host in hosts
            if host_matches(listener.get("hostname"), host)
        }
    return served


@pytest.fixture(scope="module")
def environments() -> dict[str, tuple[K8sObject, dict[str, str]]]:
    """Each overlay's route with the labels of the namespace it lands in (a preview as PR 7's)."""
    found: dict[str, tuple[K8sObject, dict[str, str]]] = {}
    # The preview last: its host is under staging's.
    for overlay in sorted(OVERLAYS, key=lambda name: name == "preview"):
        objects = render(OVERLAYS_DIR / overlay)
        route = only(objects, "HTTPRoute")
        namespace = [obj for obj in objects if obj["kind"] == "Namespace"]
        labels = namespace[0]["metadata"].get("labels", {}) if namespace else {}
        name = f"{PROJECT}-pr-7" if overlay == "preview" else route["metadata"]["namespace"]
        if overlay == "preview":
            route = copy.deepcopy(route)
            route["spec"]["hostnames"] = [f"pr-7.{hostnames_of(found, 'staging')[0]}"]
        found[overlay] = (route, {**labels, NAMESPACE_NAME: name})
    return found


def hostnames_of(found: dict[str, tuple[K8sObject, dict[str, str]]], overlay: str) -> list[str]:
    hosts: list[str] = found[overlay][0]["spec"]["hostnames"]
    return hosts


def test_the_shared_gateway_serves_each_environment_its_own_host(
    environments: dict[str, tuple[K8sObject, dict[str, str]]], crd_schemas: CrdSchemas
) -> None:
    [gateway] = load_documents(GATEWAY)
    assert crd_schemas.errors(gateway) == []
    for route, labels in environments.values():
        assert served_hosts(gateway, route, labels) == set(route["spec"]["hostnames"])


@pytest.mark.parametrize(
    "claimed",
    [["production"], ["staging"], ["production", "staging"], [], ["wildcard"]],
    ids=["production", "staging", "both", "no-hostnames", "wildcard"],
)
def test_a_preview_that_claims_another_environments_host_gets_none_of_it(
    environments: dict[str, tuple[K8sObject, dict[str, str]]], claimed: list[str]
) -> None:
    """A pull request's author owns the preview overlay: its HTTPRoute may name any host, or none (then
    it takes the listeners' own). The listeners' allowedRoutes select staging and production by their
    namespace's name label, which the API server sets and nobody else can."""
    if "preview" not in environments:
        pytest.skip("the project was baked without previews")
    [gateway] = load_documents(GATEWAY)
    route, labels = environments["preview"]
    hijack = copy.deepcopy(route)
    [production_host] = hostnames_of(environments, "production")
    wildcard = "*." + production_host.partition(".")[2]
    hijack["spec"]["hostnames"] = [
        host
        for env in claimed
        for host in ([wildcard] if env == "wildcard" else hostnames_of(environments, env))
    ]
    guarded = {host for env in ("staging", "production") for host in hostnames_of(environments, env)}
    served = served_hosts(gateway, hijack, labels)
    # A wildcard served covers every guarded host under it.
    assert {host for host in guarded if any(host_matches(claim, host) for claim in served)} == set()
    # The same route in production's namespace would get the production host: the fence is the namespace.
    if "production" in claimed:
        assert production_host in served_hosts(gateway, hijack, environments["production"][1])
