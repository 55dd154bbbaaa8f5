"""Smoke-testing a deployed service: readiness, then one prediction of a typical row built from /model."""

import pytest

from {{ cookiecutter.package }}.delivery.smoke import smoke
from {{ cookiecutter.package }}.errors import Failure

from .standins import StandIn


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
