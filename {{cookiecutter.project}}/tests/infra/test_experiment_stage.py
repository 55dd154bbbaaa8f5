"""The A/B stage (k8s/components/experiment) against the rules of Argo Rollouts v1.9.1, its Gateway API
plugin and Kubernetes' Job controller: exact arms, a verdict Job that decides by its exit code, and a
default rollout left exactly as it was."""

import argparse
import copy
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package }}.__main__ import build_parser
from {{ cookiecutter.package }}.delivery import handover

from .. import PROJECT_DIR
from .analysis import (
    ARG,
    STEP_OUTCOMES,
    job_conditions,
    job_measurement_phase,
    metric_phase,
    resolve_args,
)
from .k8s import (
    OVERLAYS,
    OVERLAYS_DIR,
    PROJECT,
    CrdSchemas,
    K8sObject,
    describe,
    kubernetes_errors,
    named_template,
    only,
    render,
    render_with_component,
    with_typo,
)
from .test_gateway import canary_pods_after_each_step, set_weight
from .test_k8s_hardening import restricted_violations

TEMPLATE = "experiment-verdict"
# The flags `experiment verdict` takes, and its exit codes: 0 promote, 2 usage or configuration,
# 3 keep running (never with --watch), 4 abort, 5 sample-ratio mismatch, 6 Prometheus unreachable.
VERDICT_FLAGS = {
    "--prometheus", "--champion", "--champion-pod-hash", "--challenger", "--since", "--watch", "--interval",
    "--record",
}  # fmt: skip
SAMPLE_ARGS = {"canary-image": "ghcr.io/o/p@sha256:" + "1" * 64, "stable-hash": "5d8f7c9b4"}
DURATION = re.compile(r"(\d+)([smhdw])")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@pytest.fixture(scope="module")
def default() -> list[K8sObject]:
    return render(OVERLAYS_DIR / "production")


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> list[K8sObject]:
    """Production as a team turns the stage on: the component listed in its kustomization."""
    return render_with_component("production", "experiment", tmp_path_factory.mktemp("experiment"))


def steps_of(objects: list[K8sObject]) -> list[K8sObject]:
    steps: list[K8sObject] = only(objects, "Rollout")["spec"]["strategy"]["canary"]["steps"]
    return steps


def verdict_metric(objects: list[K8sObject]) -> K8sObject:
    [metric] = resolve_args(named_template(objects, TEMPLATE), SAMPLE_ARGS)
    return metric


def verdict_container(objects: list[K8sObject]) -> K8sObject:
    pod = verdict_metric(objects)["provider"]["job"]["spec"]["template"]["spec"]
    container: K8sObject
    [container] = pod["containers"]
    return container


def experiment_config() -> dict[str, Any]:
    """model.toml's [experiment], which the verdict reads from the image's manifest."""
    config = tomllib.loads((PROJECT_DIR / "model.toml").read_text()).get("experiment")
    if config is None:
        pytest.skip("model.toml has no [experiment] table")
    return dict(config)


def seconds(duration: str) -> int:
    parts = DURATION.findall(duration)
    assert "".join(n + unit for n, unit in parts) == duration, duration
    return sum(int(n) * SECONDS[unit] for n, unit in parts)


def test_the_default_production_rollout_has_no_experiment_stage(default: list[K8sObject]) -> None:
    templates = [obj for obj in default if obj["kind"] == "AnalysisTemplate"]
    assert TEMPLATE not in {t["metadata"]["name"] for t in templates}
    assert not any("job" in metric["provider"] for t in templates for metric in t["spec"]["metrics"])
    assert TEMPLATE not in json.dumps(steps_of(default))


def test_the_stage_appends_its_split_and_verdict_after_the_canary_checks_and_changes_nothing_else(
    default: list[K8sObject], staged: list[K8sObject]
) -> None:
    """The steps a team had stay byte for byte; the split and its verdict come after the last
    canary-health gate, so the challenger takes its share of users only once it passed them all."""
    before, after = steps_of(default), steps_of(staged)
    assert before[-1]["analysis"]["templates"] == [{"templateName": "canary-health"}]
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert [list(step) for step in added] == [["setHeaderRoute"], ["setWeight"], ["analysis"]]
    assert added[2]["analysis"]["templates"] == [{"templateName": TEMPLATE}]
    extra = {describe(obj) for obj in staged} - {describe(obj) for obj in default}
    assert extra == {f"AnalysisTemplate/{TEMPLATE}", f"NetworkPolicy/{PROJECT}-experiment"}
    rollout = copy.deepcopy(only(staged, "Rollout"))
    assert rollout["metadata"]["annotations"].pop("experiment-stage") == TEMPLATE
    del rollout["spec"]["strategy"]["canary"]["steps"][len(before) :]
    assert not rollout["metadata"]["annotations"]
    del rollout["metadata"]["annotations"]
    assert rollout == only(default, "Rollout")
    rendered = {describe(obj): obj for obj in staged}
    changed = [describe(obj) for obj in default if rendered[describe(obj)] != obj]
    assert changed == [describe(only(default, "Rollout"))]


def test_the_header_route_ends_before_the_split_so_every_arm_is_randomised(staged: list[K8sObject]) -> None:
    """A request routed by X-Model-Variant would reach the challenger outside the split, and its outcome
    would count in the challenger's arm. A setHeaderRoute without a match removes the managed routes
    (plugin v0.15.0 pkg/plugin/httproute.go:75-77); the name must be one the Rollout manages."""
    canary = only(staged, "Rollout")["spec"]["strategy"]["canary"]
    header_steps = [index for index, step in enumerate(canary["steps"]) if "setHeaderRoute" in step]
    removal = canary["steps"][header_steps[-1]]["setHeaderRoute"]
    assert removal == {"name": "canary-header"}
    assert {"name": "canary-header"} in canary["trafficRouting"]["managedRoutes"]
    assert header_steps[-1] < len(canary["steps"]) - 2
    assert "setWeight" in canary["steps"][header_steps[-1] + 1]


@pytest.mark.parametrize("overlay", sorted(set(OVERLAYS) - {"production"}))
def test_an_overlay_without_the_rollout_refuses_the_stage(overlay: str, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="no resource matches strategic merge patch"):
        render_with_component(overlay, "experiment", tmp_path)


def test_the_stage_s_objects_fit_their_schemas(staged: list[K8sObject], crd_schemas: CrdSchemas) -> None:
    """The Job the provider creates is the metric's JobSpec verbatim, args substituted (job.go:102-136):
    validated as the batch/v1 Job it becomes."""
    template = named_template(staged, TEMPLATE)
    assert crd_schemas.errors(template) == []
    assert crd_schemas.errors(with_typo(template))
    [policy] = [obj for obj in staged if describe(obj) == f"NetworkPolicy/{PROJECT}-experiment"]
    assert kubernetes_errors(policy) == []
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "verdict"}}
    job["spec"] = verdict_metric(staged)["provider"]["job"]["spec"]
    assert kubernetes_errors(job) == []
    assert kubernetes_errors(with_typo(job))


@pytest.mark.parametrize("replicas", [2, 3, 10])
def test_the_arms_split_requests_exactly_whatever_the_replica_count(
    staged: list[K8sObject], replicas: int
) -> None:
    """The plugin writes the step's weight verbatim into every rule (rollout/trafficrouting.go:260-265,
    plugin httproute.go:44-47), and the stable keeps all its pods (no dynamicStableScale): at 2 replicas
    the challenger's arm is still exactly the split, which the verdict's sample-ratio check expects."""
    canary = only(staged, "Rollout")["spec"]["strategy"]["canary"]
    steps = canary["steps"]
    split = steps[-2]["setWeight"]
    route = only(staged, "HTTPRoute")
    live = set_weight(route, canary["stableService"], canary["canaryService"], split)
    for rule in live["spec"]["rules"]:
        weights = {ref["name"]: ref["weight"] for ref in rule["backendRefs"]}
        assert weights[canary["canaryService"]] / sum(weights.values()) == split / 100
    assert min(canary_pods_after_each_step(steps, replicas)[-2:]) >= 1
    assert not canary.get("dynamicStableScale", False)


def test_the_split_is_the_one_the_verdict_checks_the_arms_against(staged: list[K8sObject]) -> None:
    assert steps_of(staged)[-2]["setWeight"] == experiment_config()["split"]


def resolved_rollout(objects: list[K8sObject]) -> K8sObject:
    """The Rollout as the controller holds it: the referenced Deployment's pod template set as its own
    (rollout/templateref.go:126-166, before any analysis args are built: rollout/controller.go:509)."""
    rollout = copy.deepcopy(only(objects, "Rollout"))
    rollout["spec"]["template"] = only(objects, "Deployment")["spec"]["template"]
    return rollout


def field_value(obj: K8sObject, path: str) -> str:
    """A valueFrom.fieldRef outside metadata: the path split on `.`, `[` and `]`, numbers indexing
    lists; it must end on a primitive (utils/analysis/factory.go:267-304)."""
    node: Any = obj
    for section in filter(None, re.split(r"[.\[\]]+", path)):
        node = node[int(section)] if isinstance(node, list) else node[section]
    assert not isinstance(node, dict | list), path
    return str(node)


def test_the_verdict_job_runs_the_canary_s_own_image(staged: list[K8sObject]) -> None:
    """The step's args are built from the Rollout whose template the Deployment gave it
    (utils/analysis/factory.go:17-54, rollout/analysis.go:386-387): the canary's image, pinned by
    digest, and the stable pods' hash for the champion."""
    args = {arg["name"]: arg["valueFrom"] for arg in steps_of(staged)[-1]["analysis"]["args"]}
    assert args["stable-hash"] == {"podTemplateHashValue": "Stable"}
    path = args["canary-image"]["fieldRef"]["fieldPath"]
    rollout = resolved_rollout(staged)
    [server] = only(staged, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert field_value(rollout, path) == server["image"]
    assert "@sha256:" in server["image"]
    assert verdict_container(staged)["image"] == SAMPLE_ARGS["canary-image"]


def test_every_argument_is_supplied_and_every_reference_resolves(staged: list[K8sObject]) -> None:
    """An argument without a value that the step does not supply, or a reference to no argument, fails
    the AnalysisRun (utils/analysis/helpers.go:225-253, utils/template/template.go:52-100); a step
    argument the template lacks is dropped silently (helpers.go:238-246), so both lists must agree."""
    template = named_template(staged, TEMPLATE)
    supplied = {arg["name"] for arg in steps_of(staged)[-1]["analysis"]["args"]}
    declared = {arg["name"] for arg in template["spec"]["args"]}
    unvalued = {arg["name"] for arg in template["spec"]["args"] if "value" not in arg}
    assert supplied == unvalued
    assert supplied <= declared
    assert not ARG.search(json.dumps(resolve_args(template, dict.fromkeys(supplied, "x"))))


def verdict_arguments(command: list[str]) -> list[str]:
    assert command[:3] == ["python", "-m", "{{ cookiecutter.package }}"]
    assert command[3:5] == ["experiment", "verdict"]
    return command[3:]


def test_the_job_runs_the_verdict_cli_watching_with_the_flags_it_takes(staged: list[K8sObject]) -> None:
    """Without --watch the verdict exits 3 for "keep running", which would fail the Job and abort."""
    arguments = verdict_arguments(verdict_container(staged)["command"])
    flags = {argument for argument in arguments if argument.startswith("--")}
    assert flags <= VERDICT_FLAGS
    assert {"--watch", "--prometheus", "--champion-pod-hash", "--since"} <= flags
    assert arguments[arguments.index("--champion-pod-hash") + 1] == SAMPLE_ARGS["stable-hash"]
    assert "--champion" not in flags
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "experiment" in commands.choices:
        assert parser.parse_args(arguments).handler


@pytest.mark.parametrize(
    ("exit_codes", "outcome"),
    [([0], "next step"), ([4], "abort"), ([5], "abort"), ([2], "abort"), ([6], "abort"), ([], "wait")],
    ids=["promote", "worse", "sample-ratio-mismatch", "config", "prometheus", "running"],
)
def test_the_verdict_s_exit_code_decides_the_rollout(
    staged: list[K8sObject], exit_codes: list[int], outcome: str
) -> None:
    """Exit 0 completes the Job, so the measurement is Successful; any other exit fails it at once
    (backoffLimit 0), and a Failed measurement fails the metric, which aborts (job.go:198-207,
    analysis/analysis.go:662-670, rollout/analysis.go:431-440). A running verdict keeps the step waiting,
    however long: an analysis step is exempt from progressDeadlineSeconds (rollout/sync.go:561-566,
    672). The verdict is the last step, so its success is the promotion."""
    metric = verdict_metric(staged)
    spec = metric["provider"]["job"]["spec"]
    phase = job_measurement_phase(job_conditions(exit_codes, spec["backoffLimit"]))
    run = metric_phase(metric, [phase])
    assert STEP_OUTCOMES.get(run, "wait") == outcome
    assert "analysis" in steps_of(staged)[-1]


def test_a_vanished_job_aborts_instead_of_starting_the_experiment_again(staged: list[K8sObject]) -> None:
    """A Job the controller cannot find makes the measurement Error (job.go:194-197), and each new
    measurement would create a new Job (job.go:76-100, 138-186) whose window starts again."""
    assert metric_phase(verdict_metric(staged), ["Error"]) == "Error"
    assert STEP_OUTCOMES["Error"] == "abort"


def test_the_verdict_runs_once_and_its_job_stays_until_judged(staged: list[K8sObject]) -> None:
    """No interval and no count: one measurement (analysis_types.go:159-169). A short
    ttlSecondsAfterFinished could delete the Job before the controller read its condition (Error)."""
    metric = verdict_metric(staged)
    assert "interval" not in metric
    assert "count" not in metric
    spec = metric["provider"]["job"]["spec"]
    assert spec["backoffLimit"] == 0
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    assert "ttlSecondsAfterFinished" not in spec


def test_the_job_deadline_lies_just_past_the_verdict_s_horizon(staged: list[K8sObject]) -> None:
    """The verdict applies on_horizon itself at max_duration; the deadline only ends a hung one."""
    horizon = seconds(experiment_config()["max_duration"])
    deadline = verdict_metric(staged)["provider"]["job"]["spec"]["activeDeadlineSeconds"]
    assert horizon < deadline <= horizon + SECONDS["d"]


def selects(selector: K8sObject, labels: dict[str, str]) -> bool:
    expressions = selector.get("matchExpressions", [])
    assert all(e["operator"] == "In" for e in expressions), "extend this model for other operators"
    return selector.get("matchLabels", {}).items() <= labels.items() and all(
        labels.get(e["key"]) in e["values"] for e in expressions
    )


def test_the_verdict_pod_is_locked_down_and_reaches_only_dns_and_prometheus(staged: list[K8sObject]) -> None:
    """Its pods are no server pods: no Service routes to them, and the server's policy and disruption
    budget do not count them; their own policy lets them reach DNS and the Prometheus they read."""
    spec = verdict_metric(staged)["provider"]["job"]["spec"]
    pod, labels = spec["template"]["spec"], spec["template"]["metadata"]["labels"]
    assert restricted_violations(pod) == []
    assert pod["automountServiceAccountToken"] is False
    [container] = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
    services = [obj["spec"]["selector"] for obj in staged if obj["kind"] == "Service"]
    assert not any(selects({"matchLabels": selector}, labels) for selector in services)
    budgets = [obj["spec"]["selector"] for obj in staged if obj["kind"] == "PodDisruptionBudget"]
    assert budgets
    assert not any(selects(selector, labels) for selector in budgets)
    policies = [obj for obj in staged if obj["kind"] == "NetworkPolicy"]
    [policy] = [p["spec"] for p in policies if selects(p["spec"]["podSelector"], labels)]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy
    [dns, prometheus] = policy["egress"]
    assert {port["port"] for port in dns["ports"]} == {53}
    [peer] = prometheus["to"]
    args = {arg["name"]: arg.get("value") for arg in named_template(staged, TEMPLATE)["spec"]["args"]}
    address = re.fullmatch(r"http://([^/:]+):(\d+)", args["prometheus-address"])
    assert address
    host, port = address.groups()
    assert host.split(".")[1] == peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
    assert [p["port"] for p in prometheus["ports"]] == [int(port)]


def test_every_test_the_stage_s_docs_name_exists() -> None:
    """docs/delivery.md names the test behind each gate of the stage; a renamed test fails here."""
    delivery = (PROJECT_DIR / "docs" / "delivery.md").read_text()
    section = delivery.split("### The A/B stage (opt-in)")[1].split("\n### ")[0]
    named = set(re.findall(r"`(test_\w+)`", section))
    assert len(named) >= 8
    defined = set(re.findall(r"^def (test_\w+)\(", Path(__file__).read_text(), re.MULTILINE))
    assert named <= defined


def test_the_canary_watch_reads_the_split_from_the_rendered_stage_and_none_without_it(
    default: list[K8sObject], staged: list[K8sObject]
) -> None:
    """`wait-for-canary --rendered` hands a canary over at this split (docs/delivery.md, "The hand-off")."""
    assert handover.split_of(yaml.safe_dump_all(staged)) == steps_of(staged)[-2]["setWeight"]
    assert handover.split_of(yaml.safe_dump_all(default)) is None


def test_the_hand_off_holds_the_split_longer_than_any_canary_health_gate_can_last(
    default: list[K8sObject],
) -> None:
    """The last canary-health gate runs at the split's weight (50%). Argo Rollouts measures a metric
    after initialDelay, then every interval, `count` times (analysis_types.go:159-169); errors, up to
    consecutiveErrorLimit of them, are bounded here as extra measurements. Held longer than that, the
    weight is the experiment's, not a gate's."""
    longest = max(
        seconds(metric.get("initialDelay", "0s"))
        + (metric["count"] + metric.get("consecutiveErrorLimit", 4)) * seconds(metric["interval"])
        for metric in named_template(default, "canary-health")["spec"]["metrics"]
    )
    assert longest < handover.HOLD_S
