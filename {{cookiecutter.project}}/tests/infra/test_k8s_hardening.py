"""The rendered pods against the rules of the cluster they run in: the network policy admits only
the gateway's (or ingress controller's) proxies and Prometheus, the pod template meets Pod Security's
restricted profile, and the drain fits the termination grace period."""

import pytest

from .k8s import (
    ENTRY_KIND,
    ENTRY_NAMESPACE,
    OVERLAYS,
    OVERLAYS_DIR,
    SERVER_PODS,
    K8sObject,
    containers,
    only,
    pod_spec,
    render,
)

# Kubernetes sets kubernetes.io/metadata.name on every namespace (1.22+), so a namespace can be
# selected by name: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
NAMESPACE = "kubernetes.io/metadata.name"


def peer(namespace: str, label: str | None = None, value: str | None = None) -> K8sObject:
    """A NetworkPolicy peer: a namespace by name, and pods in it by one label when given. Pods are
    matched by expression: kustomize's `labels` with includeSelectors adds the project's name to every
    matchLabels of a NetworkPolicy, peers included, which would select no Prometheus and no DNS."""
    selected: K8sObject = {"namespaceSelector": {"matchLabels": {NAMESPACE: namespace}}}
    if label is not None:
        selected["podSelector"] = {"matchExpressions": [{"key": label, "operator": "In", "values": [value]}]}
    return selected


INGRESS_SOURCES = [peer(ENTRY_NAMESPACE), peer("monitoring", "app.kubernetes.io/name", "prometheus")]
DNS = peer("kube-system", "k8s-app", "kube-dns")


def peers_of_each_other(overlay: str) -> list[K8sObject]:
    return [SERVER_PODS] if ENTRY_KIND == "HTTPRoute" and overlay == "production" else []


# Volume types the restricted profile allows (Pod Security Standards, "Volume Types").
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected",
    "secret",
}  # fmt: skip


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def objects(overlay: str) -> list[K8sObject]:
    return render(OVERLAYS_DIR / overlay)


def test_ingress_comes_only_from_the_entry_proxies_and_prometheus(
    objects: list[K8sObject], overlay: str
) -> None:
    policy = only(objects, "NetworkPolicy")["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    # A rule without `from` admits every source; each rule here names exactly one.
    expected = INGRESS_SOURCES + peers_of_each_other(overlay)
    assert [peer for rule in policy["ingress"] for peer in rule["from"]] == expected
    assert all(rule["ports"] == [{"port": "http", "protocol": "TCP"}] for rule in policy["ingress"])
    # Kubelet probes need no rule: "traffic to and from the node where a Pod is running is always
    # allowed, regardless of the IP address of the Pod or the node" (Kubernetes, Network Policies).


def test_egress_is_dns_to_kube_dns_and_nothing_else_but_the_servers_http(
    objects: list[K8sObject], overlay: str
) -> None:
    dns, *others = only(objects, "NetworkPolicy")["spec"]["egress"]
    assert dns["to"] == [DNS]
    assert sorted((port["port"], port["protocol"]) for port in dns["ports"]) == [(53, "TCP"), (53, "UDP")]
    assert [peer for rule in others for peer in rule["to"]] == peers_of_each_other(overlay)
    assert all(rule["ports"] == [{"port": "http", "protocol": "TCP"}] for rule in others)


def restricted_violations(pod: K8sObject) -> list[str]:
    """Where a pod spec breaks Pod Security's restricted profile (kubernetes.io, Pod Security Standards)."""
    found = [f"{key} is on" for key in ("hostNetwork", "hostPID", "hostIPC") if pod.get(key)]
    found += [f"volume {v['name']}" for v in pod.get("volumes", []) if not RESTRICTED_VOLUMES & v.keys()]
    pod_context = pod.get("securityContext", {})
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        context = container.get("securityContext", {})
        name = container["name"]
        capabilities = context.get("capabilities", {})
        found += [f"{name}: privileged"] if context.get("privileged") else []
        found += [f"{name}: may escalate"] if context.get("allowPrivilegeEscalation") is not False else []
        found += [f"{name}: keeps capabilities"] if capabilities.get("drop") != ["ALL"] else []
        found += (
            [f"{name}: adds capabilities"] if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"} else []
        )
        found += (
            [f"{name}: host port"] if any("hostPort" in port for port in container.get("ports", [])) else []
        )
        if not context.get("runAsNonRoot", pod_context.get("runAsNonRoot")):
            found.append(f"{name}: may run as root")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            found.append(f"{name}: runs as user 0")
        seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {})).get("type")
        found += [f"{name}: seccomp {seccomp}"] if seccomp not in ("RuntimeDefault", "Localhost") else []
    return found


def test_pods_meet_the_restricted_pod_security_standard(objects: list[K8sObject]) -> None:
    pods = [pod for pod in map(pod_spec, objects) if pod is not None]
    assert pods
    assert [violation for pod in pods for violation in restricted_violations(pod)] == []


def test_the_restricted_check_catches_a_pod_without_its_settings(objects: list[K8sObject]) -> None:
    pod = pod_spec(only(objects, "Deployment")) or {}
    server = {**pod["containers"][0], "securityContext": {}}
    broken = {**pod, "hostNetwork": True, "securityContext": {}, "containers": [server]}
    assert restricted_violations(broken) == [
        "hostNetwork is on",
        "server: may escalate",
        "server: keeps capabilities",
        "server: may run as root",
        "server: seccomp None",
    ]


def test_the_drain_fits_the_grace_period(objects: list[K8sObject]) -> None:
    """Kubernetes counts the grace period from the start of the preStop hook, then sends SIGTERM;
    the server then answers with Connection: close for the drain delay before draining."""
    deployment = only(objects, "Deployment")
    config = only(objects, "ConfigMap")["data"]
    [server] = containers(deployment)
    pre_stop = float(server["lifecycle"]["preStop"]["exec"]["command"][-1])
    drain, shutdown = float(config["APP_DRAIN_DELAY_S"]), float(config["APP_SHUTDOWN_TIMEOUT_S"])
    assert drain >= pre_stop
    assert (
        pre_stop + drain + shutdown < deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    )


def test_probes_give_a_loaded_server_time(objects: list[K8sObject]) -> None:
    [server] = containers(only(objects, "Deployment"))
    readiness, liveness = server["readinessProbe"], server["livenessProbe"]
    assert readiness["timeoutSeconds"] >= 2
    assert liveness["timeoutSeconds"] >= readiness["timeoutSeconds"]
    # Liveness restarts a pod only after this long without an answer.
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 30


def test_the_documentation_pages_are_off_in_every_environment(objects: list[K8sObject]) -> None:
    assert only(objects, "ConfigMap")["data"]["APP_API_DOCS"] == "false"
