"""The Prometheus client against a stand-in on loopback: values per version, and a clear error otherwise."""

from collections.abc import Iterator

import pytest

from {{ cookiecutter.package }}.experiment.prometheus import Prometheus, PrometheusError
from {{ cookiecutter.package }}.experiment.readings import (
    read_arms,
    read_traffic,
    version_of_pod_hash,
)

from .stub import Stub, arm_values, serve_stub

pytestmark = pytest.mark.timeout(30)
VERSIONS = ("a" * 12, "b" * 12)
SUCCESS = b'{"status":"success","data":'


@pytest.fixture
def stub() -> Stub:
    return Stub()


@pytest.fixture
def prometheus(stub: Stub) -> Iterator[Prometheus]:
    with serve_stub(stub) as url:
        client = Prometheus(url + "/", timeout_s=5)
        yield client
        client.close()


def test_counts_are_read_per_version_and_rounded(stub: Stub, prometheus: Prometheus) -> None:
    arm_values(stub, (400.4, 399.6), (360.2, 380.9), (1000.49, 999.5))
    champion, challenger = read_arms(prometheus, "accuracy", VERSIONS, 3600, 0)
    assert (champion.n, champion.total, challenger.n, challenger.total) == (400, 360, 400, 381)
    assert read_traffic(prometheus, VERSIONS, 3600, 0) == (1000, 1000)
    query = stub.queries[-1]
    assert query.startswith('sum by (version) ((increase(model_prediction_requests_total{source="split",')
    # A series born in the window (a replica's first outcome of a version) counts from zero, not from its
    # first sample: test_live.py shows the difference against a real Prometheus.
    assert "[3600s]) and model_prediction_requests_total{" in query
    assert " offset 3600s) or (model_prediction_requests_total{" in query
    assert query.endswith(" offset 3600s))")


def test_a_version_without_outcomes_has_zeros(stub: Stub, prometheus: Prometheus) -> None:
    champion, challenger = read_arms(prometheus, "mae", VERSIONS, 60, 0)
    assert (champion.n, challenger.n, challenger.squares) == (0, 0, 0.0)


def test_the_champion_is_found_by_its_pod_hash(stub: Stub, prometheus: Prometheus) -> None:
    stub.info = [{"sha256": "c" * 64, "rollouts_pod_template_hash": "6d4f9b"}] * 2
    assert version_of_pod_hash(prometheus, "6d4f9b", 0) == "c" * 12
    stub.info = []
    with pytest.raises(PrometheusError, match="expected the sha256 of one model, found none"):
        version_of_pod_hash(prometheus, "6d4f9b", 0)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (503, b"overloaded", "Prometheus answered 503 for .*: overloaded"),
        (400, b'{"status":"error","error":"parse error"}', "answered 400 .*: parse error"),
        (200, b"<html>", "no JSON object"),
        (200, SUCCESS + b'{"resultType":"matrix","result":[]}}', "'matrix', not a vector"),
        (200, SUCCESS + b'{"resultType":"vector","result":[{"value":[0,"1"]}]}}', "malformed"),
        (200, SUCCESS + b'{"resultType":"vector","result":[{"metric":{},"value":[0,"NaN"]}]}}', "malformed"),
        (200, b'{"status":"error"}', "answered no data"),
        (200, b"[1, 2]", "no JSON object"),
    ],
)
def test_a_bad_answer_is_a_clear_error(
    stub: Stub, prometheus: Prometheus, status: int, body: bytes, message: str
) -> None:
    stub.status, stub.body = status, body
    with pytest.raises(PrometheusError, match=message) as error:
        prometheus.vector("up", 0)
    assert error.value.exit_code == 6


def test_an_unreachable_prometheus_is_a_clear_error() -> None:
    with serve_stub(Stub()) as url:
        pass
    with pytest.raises(PrometheusError, match="unreachable"):
        Prometheus(url, timeout_s=2).vector("up", 0)
