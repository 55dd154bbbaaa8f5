"""The production canary against Argo Rollouts v1.9.1's rules: it gates every change, and judges fairly."""

import math
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from .analysis import canary_replicas, measurement_phase, resolve_args
from .k8s import ENTRY_KIND, OVERLAYS_DIR, K8sObject, describe, named_template, only, pod_spec, render

INFERENCE_ROUTES = {"/predict", "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer"}


@pytest.fixture(scope="module")
def production() -> list[K8sObject]:
    return render(OVERLAYS_DIR / "production")


@pytest.fixture(scope="module")
def metrics(production: list[K8sObject]) -> dict[str, K8sObject]:
    """The analysis metrics as an AnalysisRun for canary hash `abc123` holds them."""
    template = named_template(production, "canary-health")
    return {metric["name"]: metric for metric in resolve_args(template, {"canary-hash": "abc123"})}


def test_every_analysis_the_rollout_names_is_rendered_beside_it(production: list[K8sObject]) -> None:
    """A Rollout naming a template that does not exist fails validation and is never reconciled
    (argo-rollouts v1.9.1 rollout/controller.go:425-438): no pod at all on a first install."""
    steps = only(production, "Rollout")["spec"]["strategy"]["canary"]["steps"]
    named_templates = {
        t["templateName"] for step in steps if "analysis" in step for t in step["analysis"]["templates"]
    }
    rendered = {obj["metadata"]["name"] for obj in production if obj["kind"] == "AnalysisTemplate"}
    assert named_templates
    assert named_templates <= rendered


def test_only_the_rollout_runs_server_pods_in_production(production: list[K8sObject]) -> None:
    """Argo Rollouts scales a referenced Deployment down only when the Rollout's revision 1 turns healthy
    (argo-rollouts v1.9.1 rollout/replicaset.go:178-201 for `progressively`, rollout/sync.go:1040 for
    `onsuccess`). Revision 1 is often a placeholder that never does, and the Deployment would then roll
    every new image out itself, with no canary. So git holds it at zero (docs/migrating.md: "scale it
    down to zero") and the Rollout must not scale it (`scaleDown: never`)."""
    rollout = only(production, "Rollout")
    assert rollout["spec"]["workloadRef"]["scaleDown"] == "never"
    others = [obj for obj in production if pod_spec(obj) is not None and obj["kind"] != "Rollout"]
    assert others
    assert {describe(obj): obj["spec"].get("replicas") for obj in others} == {
        describe(obj): 0 for obj in others
    }
    [hpa] = [obj for obj in production if obj["kind"] == "HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "Rollout"


def test_every_weight_waits_for_the_analysis_before_the_next(production: list[K8sObject]) -> None:
    """An inline analysis step blocks the rollout until its run ends: Successful goes on, Failed aborts,
    Inconclusive pauses (argo-rollouts v1.9.1 docs/features/analysis.md:1154-1158, rollout/analysis.go:
    154-158, 373-381). A bare pause would let a bad canary through whenever its analysis is quiet."""
    steps = only(production, "Rollout")["spec"]["strategy"]["canary"]["steps"]
    weights = [index for index, step in enumerate(steps) if "setWeight" in step]
    assert weights
    for index in weights:
        # Only a change of the canary's scale may come between a weight and its analysis.
        following = [step for step in steps[index + 1 :] if "setCanaryScale" not in step]
        assert following, "the last weight is never judged"
        assert following[0]["analysis"]["templates"] == [{"templateName": "canary-health"}]
    assert not any("pause" in step for step in steps)
    assert only(production, "Rollout")["spec"]["progressDeadlineAbort"] is True


@pytest.mark.skipif(
    ENTRY_KIND == "HTTPRoute", reason="a traffic router sets the weight on the route (test_gateway.py)"
)
def test_each_weight_puts_at_least_one_canary_pod_up_at_the_minimum_replica_count(
    production: list[K8sObject],
) -> None:
    """Without a traffic router the weight is a replica count (docs/features/canary/index.md:13); the
    port of approximateWeightedCanaryStableReplicaCounts shows what each step really sends the canary,
    with the default maxSurge of 25% rounded up (utils/defaults/defaults.go)."""
    minimum = only(production, "HorizontalPodAutoscaler")["spec"]["minReplicas"]
    steps = only(production, "Rollout")["spec"]["strategy"]["canary"]["steps"]
    shares = []
    for weight in (step["setWeight"] for step in steps if "setWeight" in step):
        canary, stable = canary_replicas(minimum, weight, max_surge=math.ceil(minimum * 0.25))
        assert canary >= 1
        shares.append(canary / (canary + stable))
    # Every gate judges the canary at a larger share than the one before.
    assert shares == sorted(set(shares))


def test_the_analysis_counts_inference_requests_only(
    metrics: dict[str, K8sObject], artifacts_dir: Path
) -> None:
    """Probes and /metrics scrapes say nothing about predictions and would dilute the error ratio.
    The `route` label of the server's metrics is the route template, as the OpenAPI document lists it."""
    with TestClient(create_app(ServerSettings(model_dir=artifacts_dir))) as client:
        app_routes = set(client.get("/openapi.json").json()["paths"]) | {"/metrics"}
    assert app_routes >= INFERENCE_ROUTES
    for metric in metrics.values():
        query = metric["provider"]["prometheus"]["query"]
        [pattern] = {part.split('"')[1] for part in query.split("route=~")[1:]}
        assert {route for route in app_routes if re.fullmatch(pattern, route)} == INFERENCE_ROUTES
        assert 'status=~"5.."' in query or metric["name"] != "error-ratio"


@pytest.mark.parametrize(
    ("result", "phases"),
    [
        ([], {"error-ratio": "Inconclusive", "p99-latency": "Inconclusive"}),
        ([math.nan], {"error-ratio": "Inconclusive", "p99-latency": "Inconclusive"}),
        ([0.0], {"error-ratio": "Successful", "p99-latency": "Successful"}),
        ([0.6], {"error-ratio": "Failed", "p99-latency": "Failed"}),
    ],
    ids=["empty", "nan", "zero", "high"],
)
def test_empty_and_nan_results_are_inconclusive_never_failed_or_passed(
    metrics: dict[str, K8sObject], result: list[float], phases: dict[str, str]
) -> None:
    """A quiet canary returns an empty vector (below min-requests) or NaN (0/0). `result[0] >= x` would
    error on the first (five errors in a row abort: analysis/analysis.go:681-685) and fail on the second;
    `len(result) > 0 and not isNaN(result[0])` makes both Inconclusive (evaluate.go:18-58)."""
    assert {name: measurement_phase(metric, result) for name, metric in metrics.items()} == phases


def test_each_metric_waits_for_data_and_tolerates_one_bad_minute(metrics: dict[str, K8sObject]) -> None:
    """initialDelay lets Prometheus scrape the new pods first; count bounds each gate; one failed or
    inconclusive measurement is tolerated, two decide (analysis/analysis.go:660-690)."""
    for metric in metrics.values():
        assert metric["initialDelay"] == "1m"
        assert (metric["count"], metric["failureLimit"], metric["inconclusiveLimit"]) == (4, 1, 1)
        assert metric["consecutiveErrorLimit"] == 4
        assert "and on()" in metric["provider"]["prometheus"]["query"]
        assert ">= 50" in metric["provider"]["prometheus"]["query"]


def test_spreading_keys_on_the_pod_template_hash_of_the_controller_that_runs_the_pods(
    production: list[K8sObject],
) -> None:
    """Deployments label pods pod-template-hash, Argo Rollouts rollouts-pod-template-hash (v1.9.1
    pkg/apis/rollouts/v1alpha1/types.go:150); a matchLabelKeys key the pod lacks is ignored (Kubernetes
    API, PodSpec.topologySpreadConstraints.matchLabelKeys). The Rollout takes its pod template from the
    Deployment, so that template must name both keys."""
    deployment = only(production, "Deployment")
    constraints = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert constraints
    for constraint in constraints:
        assert {"pod-template-hash", "rollouts-pod-template-hash"} <= set(constraint["matchLabelKeys"])
    # Nothing else selects pods by a hash, which would miss the other controller's pods.
    for obj in production:
        assert "pod-template-hash" not in str(obj.get("spec", {}).get("selector", "")), describe(obj)
