"""Smoke-testing a deployed service: readiness, then one prediction of a typical row built from /model."""

import pytest

from {{ cookiecutter.package }}.delivery.smoke import smoke
from {{ cookiecutter.package }}.errors import Failure

from .standins import CANARY_SHA256, StandIn


def test_smoke_predicts_one_row_at_the_training_means(server: str) -> None:
    assert smoke(server) == {"predictions": [1]}
    assert StandIn.predictions == [{"alcohol": 13.2, "proline": 747.0}]


def test_smoke_fails_when_predict_fails(server: str) -> None:
    StandIn.predict_status = 500
    with pytest.raises(Failure, match="/predict answered 500"):
        smoke(server)


def test_smoke_refuses_a_non_http_url() -> None:
    with pytest.raises(Failure, match="not an http"):
        smoke("file:///etc/passwd")


def test_smoke_of_the_canary_sends_its_header_on_every_request_and_checks_the_model(server: str) -> None:
    assert smoke(server, "canary", CANARY_SHA256) == {"predictions": [1]}
    assert StandIn.variants == ["canary"] * 3


def test_smoke_fails_when_the_answering_pod_serves_another_model(server: str) -> None:
    """No header route yet (or a typo in the header): the stable answers, and must not pass for the canary."""
    with pytest.raises(Failure, match=r"reports model '5+', not c+"):
        smoke(server, model_sha256=CANARY_SHA256)
