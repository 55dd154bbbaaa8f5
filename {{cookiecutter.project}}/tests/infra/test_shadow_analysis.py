"""The shadow-agreement analysis against a real Prometheus: each canary state gets the verdict the
template's conditions promise.

Prometheus reads made-up series written into its database beforehand (`promtool tsdb
create-blocks-from openmetrics`), one pod-template hash per canary state, so each state is exact and
costs no server. Every query runs as an AnalysisRun would run it at the end of the series, and its
vector is judged with the template's own conditions (see analysis.py). The series carry the names and
labels the server exports, which test_the_queries_read_only_what_the_server_exports checks.
"""

import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from fastapi.testclient import TestClient

from .analysis import measurement_phase, prometheus_result, resolve_args
from .k8s import OVERLAYS_DIR, K8sObject, exported_samples, promql_selectors
from .prometheus import get_json, prometheus, require

pytestmark = pytest.mark.slow

TEMPLATE = OVERLAYS_DIR / "production" / "analysistemplate-shadow.yaml"
STEP_S = 15  # the ServiceMonitor's scrape interval
SPAN_S = 15 * 60
BUCKETS = ("0.005", "0.05", "1", "+Inf")  # a subset of the server's, enough for a p99 either side
INFERENCE = 'route="/predict",method="POST"'


@dataclass(frozen=True)
class Pod:
    """What one pod did each second over the whole span."""

    requests: float = 10.0
    errors: float = 0.0
    latency: float = 0.005  # every request takes this long
    compared: float = 2.0
    agreed: float = 1.9
    min_agreement: float = 0.9
    comparable: int = 1
    # Answers skipped because the stable's task or classes differ, or it serves this very model.
    incomparable: float = 0.0
    same_model: float = 0.0


PODS = {
    "stable": Pod(compared=0, agreed=0),
    "agreeing": Pod(),
    # 0.85 agree: under the default 0.9, over this model's own threshold.
    "lenient": Pod(agreed=1.7, min_agreement=0.8),
    "disagreeing": Pod(errors=1.0, latency=1.0, agreed=1.5),
    # Under min-requests and min-comparisons in the window.
    "quiet": Pod(requests=0.1, compared=0.1, agreed=0.1),
    "incomparable": Pod(compared=0, agreed=0, comparable=0, incomparable=2.0),
    # A rollout that changes no model: the stable serves the canary's own model.
    "same-model": Pod(compared=0, agreed=0, same_model=2.0),
    # The attack: a worker that died with the gauge at 0 while the others compare, and agree on 25%.
    "dead-worker-gauge": Pod(agreed=0.5, comparable=0),
    # Incomparable skips beside comparisons (the stable changed during the window): judged on the rows.
    "skips-beside-comparisons": Pod(agreed=0.5, comparable=0, incomparable=1.0),
    # Too few comparisons to judge and some incomparable skips: neither.
    "skips-beside-a-few-comparisons": Pod(compared=0.1, agreed=0.1, incomparable=1.0),
}
# error-ratio, p99-latency, agreement.
EXPECTED = {
    "agreeing": ("Successful", "Successful", "Successful"),
    "lenient": ("Successful", "Successful", "Successful"),
    "disagreeing": ("Failed", "Failed", "Failed"),
    "quiet": ("Inconclusive", "Inconclusive", "Inconclusive"),
    "incomparable": ("Successful", "Successful", "Successful"),
    "same-model": ("Successful", "Successful", "Successful"),
    "dead-worker-gauge": ("Successful", "Successful", "Failed"),
    "skips-beside-comparisons": ("Successful", "Successful", "Failed"),
    "skips-beside-a-few-comparisons": ("Successful", "Successful", "Inconclusive"),
}
# (sample, labels, value: per second for a counter, as it is for a gauge)
Series = list[tuple[str, str, float]]


def families(pod: Pod) -> list[tuple[str, str, Series]]:
    """The pod's metric families as the server exports them: (name, type, series)."""
    buckets = [(le, pod.requests if float(le) >= pod.latency else 0.0) for le in BUCKETS]
    return [
        (
            "http_requests",
            "counter",
            [
                ("http_requests_total", f'{INFERENCE},status="200"', pod.requests - pod.errors),
                ("http_requests_total", f'{INFERENCE},status="503"', pod.errors),
            ],
        ),
        (
            "http_request_duration_seconds",
            "histogram",
            [
                *(
                    ("http_request_duration_seconds_bucket", f'route="/predict",le="{le}"', n)
                    for le, n in buckets
                ),
                ("http_request_duration_seconds_count", 'route="/predict"', pod.requests),
                ("http_request_duration_seconds_sum", 'route="/predict"', pod.requests * pod.latency),
            ],
        ),
        ("model_shadow_comparisons", "counter", [("model_shadow_comparisons_total", "", pod.compared)]),
        ("model_shadow_agreements", "counter", [("model_shadow_agreements_total", "", pod.agreed)]),
        ("model_shadow_min_agreement", "gauge", [("model_shadow_min_agreement", "", pod.min_agreement)]),
        ("model_shadow_comparable", "gauge", [("model_shadow_comparable", "", pod.comparable)]),
        (
            "model_shadow_skipped",
            "counter",
            [
                ("model_shadow_skipped_total", 'reason="incomparable"', pod.incomparable),
                ("model_shadow_skipped_total", 'reason="same_model"', pod.same_model),
                ("model_shadow_skipped_total", 'reason="busy"', 1.0),
            ],
        ),
    ]


def openmetrics(start: int) -> str:
    """Every pod's series over SPAN_S seconds from `start`, a sample a scrape interval, family by family."""
    lines = []
    for index, (name, kind, _) in enumerate(families(Pod())):
        lines.append(f"# TYPE {name} {kind}")
        for hash_, pod in PODS.items():
            for sample, labels, value in families(pod)[index][2]:
                selector = ",".join(
                    part for part in (f'rollouts_pod_template_hash="{hash_}"', labels) if part
                )
                for t in range(0, SPAN_S + 1, STEP_S):
                    now = value * t if kind != "gauge" else value
                    lines.append(sample + "{" + selector + "}" + f" {now:g} {start + t}")
    return "\n".join([*lines, "# EOF", ""])


@pytest.fixture(scope="module")
def prometheus_at(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Prometheus over the series, and the time at their end, when every measurement is taken."""
    work = tmp_path_factory.mktemp("shadow-prometheus")
    start = int(time.time()) - 2 * SPAN_S
    (work / "series.txt").write_text(openmetrics(start))
    backfill = subprocess.run(
        [require("promtool"), "tsdb", "create-blocks-from", "openmetrics", "series.txt", "data"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert backfill.returncode == 0, backfill.stdout + backfill.stderr
    monitor = yaml.safe_load((OVERLAYS_DIR / "production" / "servicemonitor.yaml").read_text())
    with prometheus(monitor, {}, work) as url:
        yield url, start + SPAN_S


@pytest.fixture(scope="module")
def template() -> K8sObject:
    document: K8sObject = yaml.safe_load(TEMPLATE.read_text())
    return document


def measure(template: K8sObject, url: str, at: int, canary: str) -> dict[str, tuple[str, list[float]]]:
    """Each metric's phase and result for canary `canary`, measured at time `at`."""
    metrics = resolve_args(
        template, {"canary-hash": canary, "stable-hash": "stable", "prometheus-address": url}
    )
    measured = {}
    for metric in metrics:
        expression = metric["provider"]["prometheus"]["query"]
        answer = get_json(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expression, "time": at}))
        result = prometheus_result(answer)
        measured[metric["name"]] = measurement_phase(metric, result), result
    return measured


@pytest.mark.parametrize("canary", list(EXPECTED))
def test_each_canary_state_gets_the_verdict_the_conditions_promise(
    template: K8sObject, prometheus_at: tuple[str, int], canary: str
) -> None:
    """agreeing passes; lenient passes on its own lower threshold; disagreeing (erring, slow, at 0.75)
    fails each metric; quiet is neither; incomparable and same-model pass the agreement (nothing to
    compare); comparisons in the window are judged whatever the gauge or the skips say."""
    measured = measure(template, *prometheus_at, canary)
    assert (
        tuple(measured[name][0] for name in ("error-ratio", "p99-latency", "agreement")) == EXPECTED[canary]
    )
    assert measured["stage-comparable"][0] == "Successful"


def test_the_skipped_stage_is_visible_in_the_run(template: K8sObject, prometheus_at: tuple[str, int]) -> None:
    assert measure(template, *prometheus_at, "incomparable")["stage-comparable"][1] == [0.0]
    assert measure(template, *prometheus_at, "agreeing")["stage-comparable"][1] == [1.0]
    assert measure(template, *prometheus_at, "agreeing")["agreement"][1] == [pytest.approx(0.05)]


@pytest.mark.parametrize("app_settings", [{"shadow_stable_url": "http://127.0.0.1:9"}])
def test_the_queries_read_only_what_the_server_exports(template: K8sObject, client: TestClient) -> None:
    client.post("/predict", json={})
    exported = exported_samples(client.get("/metrics").text)
    queries = [metric["provider"]["prometheus"]["query"] for metric in template["spec"]["metrics"]]
    selectors = [selector for query in queries for selector in promql_selectors(query)]
    assert {name for name, _ in selectors} >= {"model_shadow_agreements_total", "model_shadow_comparable"}
    for name, labels in selectors:
        assert name in exported, f"{name} is not on /metrics"
        assert labels - {"rollouts_pod_template_hash"} <= exported[name], f"{name} lacks {labels}"


def test_the_template_takes_the_args_the_rollout_passes(template: K8sObject) -> None:
    args = {arg["name"]: arg.get("value") for arg in template["spec"]["args"]}
    # The Rollout passes these two (podTemplateHashValue Latest and Stable); every other has a default.
    assert [name for name, value in args.items() if value is None] == ["canary-hash", "stable-hash"]
    assert template["metadata"]["name"] == "shadow-agreement"
