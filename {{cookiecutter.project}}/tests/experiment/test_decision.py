"""The decision table: each row, in its order."""

import math

import pytest

from {{ cookiecutter.package }}.experiment.decision import Decision, Evidence, decide
from {{ cookiecutter.package }}.manifest import Experiment

PLAN = Experiment(metric="accuracy")


def evidence(**changes: object) -> Evidence:
    base = {
        "enough": True,
        "p": 0.5,
        "lower": -0.05,
        "upper": 0.05,
        "better": 1,
        "mismatch": False,
        "at_horizon": False,
    }
    return Evidence(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "decision"),
    [
        ({"p": 0.01, "lower": 0.01, "upper": 0.03}, Decision.PROMOTE),
        ({"p": 0.01, "lower": -0.03, "upper": -0.01}, Decision.ABORT),
        # mae: lower is better.
        ({"p": 0.01, "lower": -3.0, "upper": -1.0, "better": -1}, Decision.PROMOTE),
        ({"p": 0.01, "lower": 1.0, "upper": 3.0, "better": -1}, Decision.ABORT),
        ({}, Decision.KEEP_RUNNING),
        ({"mismatch": True, "p": 0.01, "lower": 0.01, "upper": 0.03}, Decision.STOP_SRM),
        ({"enough": False, "p": 0.01, "lower": 0.01, "upper": 0.03}, Decision.KEEP_RUNNING),
        ({"at_horizon": True}, Decision.ABORT),
        ({"at_horizon": True, "p": 0.01, "lower": 0.01, "upper": 0.03}, Decision.PROMOTE),
    ],
    ids=[
        "promote",
        "abort",
        "mae-promote",
        "mae-abort",
        "keep",
        "srm",
        "guard",
        "horizon",
        "decided-at-horizon",
    ],
)
def test_each_row_of_the_table(changes: dict[str, object], decision: Decision) -> None:
    assert decide(evidence(**changes), PLAN)[0] is decision


def test_the_horizon_promotes_a_challenger_not_shown_worse_when_told_to() -> None:
    plan = PLAN.model_copy(update={"on_horizon": "promote"})
    assert decide(evidence(at_horizon=True), plan) == (
        Decision.PROMOTE,
        "horizon reached without a difference; on_horizon = promote",
    )
    assert decide(evidence(at_horizon=True, p=0.01, lower=-0.03, upper=-0.01), plan)[0] is Decision.ABORT


def test_an_effect_inside_the_mde_keeps_running_and_says_so() -> None:
    assert decide(evidence(lower=-0.01, upper=0.01), PLAN) == (
        Decision.KEEP_RUNNING,
        "any difference is below the minimum detectable effect",
    )


def test_too_few_outcomes_keep_running_whatever_the_p() -> None:
    assert decide(evidence(enough=False, p=0.0, lower=-math.inf, upper=math.inf), PLAN)[1] == (
        "too few outcomes per arm for a verdict"
    )
