"""One look: counters in, estimates, effect, interval and decision out."""

from datetime import UTC, datetime

import pytest

from {{ cookiecutter.package }}.experiment.arms import Counters
from {{ cookiecutter.package }}.experiment.decision import Decision
from {{ cookiecutter.package }}.experiment.verdict import Arm, History, judge
from {{ cookiecutter.package }}.manifest import Experiment

ACCURACY = Experiment(metric="accuracy")
MAE = Experiment(metric="mae", minimum_detectable_effect=3.0)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def correct(n: int, share: float) -> Counters:
    x = round(n * share)
    return Counters(n, x, x)


def errors(n: int, mae: float, spread: float) -> Counters:
    """n absolute errors with mean `mae` and standard deviation `spread`."""
    return Counters(n, n * mae, (n - 1) * spread**2 + n * mae**2)


def arms(champion: Counters, challenger: Counters) -> tuple[Arm, Arm]:
    return Arm("a" * 12, champion), Arm("b" * 12, challenger)


def test_a_clearly_better_challenger_is_promoted() -> None:
    verdict = judge(ACCURACY, arms(correct(5000, 0.90), correct(5000, 0.94)), (5000, 5000), NOW, 3600)
    assert verdict.decision is Decision.PROMOTE
    assert verdict.effect == pytest.approx(0.04)
    assert 0 < verdict.lower < 0.04 < verdict.upper
    assert verdict.p < ACCURACY.alpha


def test_a_clearly_worse_challenger_is_aborted() -> None:
    verdict = judge(ACCURACY, arms(correct(5000, 0.94), correct(5000, 0.90)), (5000, 5000), NOW, 3600)
    assert verdict.decision is Decision.ABORT


def test_lower_mae_is_better() -> None:
    better = judge(MAE, arms(errors(2000, 45, 30), errors(2000, 38, 30)), (2000, 2000), NOW, 3600)
    worse = judge(MAE, arms(errors(2000, 38, 30), errors(2000, 45, 30)), (2000, 2000), NOW, 3600)
    assert (better.decision, worse.decision) == (Decision.PROMOTE, Decision.ABORT)


def test_no_verdict_below_the_minimum_sample_however_large_the_effect() -> None:
    verdict = judge(ACCURACY, arms(correct(199, 0.5), correct(199, 1.0)), (199, 199), NOW, 3600)
    assert verdict.decision is Decision.KEEP_RUNNING
    assert verdict.p == 1.0


def test_an_arm_nearly_always_right_waits_for_enough_errors() -> None:
    # 300 outcomes at 99%: about 3 errors, too few for the normal approximation of a proportion.
    verdict = judge(ACCURACY, arms(correct(300, 0.99), correct(300, 0.90)), (300, 300), NOW, 3600)
    assert verdict.decision is Decision.KEEP_RUNNING


def test_the_horizon_applies_on_horizon() -> None:
    same = arms(correct(1000, 0.9), correct(1000, 0.9))
    assert judge(ACCURACY, same, (1000, 1000), NOW, 7 * 86400 - 1).decision is Decision.KEEP_RUNNING
    assert judge(ACCURACY, same, (1000, 1000), NOW, 7 * 86400).decision is Decision.ABORT
    promote = ACCURACY.model_copy(update={"on_horizon": "promote"})
    assert judge(promote, same, (1000, 1000), NOW, 7 * 86400).decision is Decision.PROMOTE


def test_max_samples_per_arm_is_a_horizon_once_both_arms_reach_it() -> None:
    """One arm's backlog (a day of the champion's outcomes arriving at once) ends nothing."""
    plan = ACCURACY.model_copy(update={"max_samples_per_arm": 1000})
    verdict = judge(plan, arms(correct(1000, 0.9), correct(1000, 0.9)), (1000, 1000), NOW, 60)
    assert verdict.decision is Decision.ABORT
    backlog = judge(plan, arms(correct(100_000, 0.9), correct(990, 0.9)), (1000, 1000), NOW, 60)
    assert backlog.decision is Decision.KEEP_RUNNING


def test_the_horizon_never_promotes_a_challenger_without_outcomes() -> None:
    promote = ACCURACY.model_copy(update={"on_horizon": "promote"})
    verdict = judge(promote, arms(correct(100_000, 0.9), correct(0, 0.9)), (1000, 1000), NOW, 7 * 86400)
    assert verdict.decision is Decision.ABORT


def test_a_broken_split_stops_before_any_decision() -> None:
    verdict = judge(ACCURACY, arms(correct(5000, 0.90), correct(5000, 0.94)), (5500, 4500), NOW, 3600)
    assert verdict.decision is Decision.STOP_SRM


def test_the_history_carries_the_smallest_p_to_the_next_look() -> None:
    first = judge(ACCURACY, arms(correct(5000, 0.90), correct(5000, 0.94)), (5000, 5000), NOW, 3600)
    later = judge(
        ACCURACY, arms(correct(6000, 0.91), correct(6000, 0.93)), (6000, 6000), NOW, 7200, first.history
    )
    assert later.p == first.p
    assert (later.lower, later.upper) == (first.lower, later.upper)
    assert later.upper < first.upper


def test_no_outcomes_yet_is_no_effect() -> None:
    verdict = judge(ACCURACY, arms(Counters(0, 0, 0), Counters(0, 0, 0)), (0, 0), NOW, 10, History())
    assert verdict.decision is Decision.KEEP_RUNNING
    assert verdict.effect != verdict.effect  # NaN
