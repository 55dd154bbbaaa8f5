"""The seeded simulation of make simulate, smaller: A/A runs stay under alpha, a real MDE is found."""

from {{ cookiecutter.package }}.experiment.simulate import simulate
from {{ cookiecutter.package }}.manifest import Experiment

PLAN = Experiment(metric="accuracy")


def test_a_a_runs_looking_after_every_outcome_stay_under_alpha() -> None:
    # 1,000 A/A runs of 2,000 outcomes per arm, a look after each outcome (the full run: make simulate).
    result = simulate(runs=1000, outcomes=2000, effect=0.0, seed=1, plan=PLAN)
    assert result.promoted + result.aborted <= PLAN.alpha


def test_a_challenger_better_by_the_mde_is_promoted_and_never_aborted() -> None:
    result = simulate(runs=200, outcomes=8000, effect=PLAN.minimum_detectable_effect, seed=2, plan=PLAN)
    assert result.promoted >= 0.8
    assert result.aborted == 0.0
