"""The mSPRT: its likelihood ratio, the interval that inverts it, and what carries over between looks."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package }}.experiment.sequential import (
    Running,
    log_likelihood_ratio,
    look,
    mixture_variance,
    radius,
)


def balanced_log_lambda(difference: float, n: int, pair_variance: float, tau2: float) -> float:
    """Johari et al. (2017), section 4: n pairs with per-pair variance V."""
    v = pair_variance
    return 0.5 * math.log(v / (v + n * tau2)) + n * n * tau2 * difference**2 / (2 * v * (v + n * tau2))


# Drawing speed says nothing of the formulas; on a loaded machine its health check failed the run.
QUIET = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUIET
@given(
    n=st.integers(1, 10**6),
    difference=st.floats(-1, 1),
    variances=st.tuples(st.floats(1e-3, 10), st.floats(1e-3, 10)),
    tau2=st.floats(1e-4, 1),
)
def test_equal_arms_give_the_balanced_closed_form(
    n: int, difference: float, variances: tuple[float, float], tau2: float
) -> None:
    s2 = variances[0] / n + variances[1] / n
    general = float(log_likelihood_ratio(difference, s2, tau2))
    assert general == pytest.approx(
        balanced_log_lambda(difference, n, sum(variances), tau2), rel=1e-9, abs=1e-9
    )


@QUIET
@given(effect=st.floats(-1, 1), s2=st.floats(1e-6, 1), tau2=st.floats(1e-6, 1), alpha=st.floats(0.001, 0.5))
def test_the_interval_ends_where_lambda_is_one_over_alpha(
    effect: float, s2: float, tau2: float, alpha: float
) -> None:
    half = float(radius(s2, tau2, alpha))
    for edge in (effect - half, effect + half):
        assert float(log_likelihood_ratio(effect, s2, tau2, null=edge)) == pytest.approx(
            -math.log(alpha), rel=1e-6
        )


def test_no_effect_is_no_evidence() -> None:
    assert float(log_likelihood_ratio(0.0, 0.01, 0.04)) < 0


def test_the_mixture_is_the_mde_squared_less_the_planned_variance_and_floored() -> None:
    assert float(mixture_variance(0.1, 0.002)) == pytest.approx(0.008)
    assert float(mixture_variance(0.1, 1.0)) == pytest.approx(0.001)


def test_looks_keep_the_smallest_p_and_the_intersection() -> None:
    first = look(Running(), 0.05, 1e-4, 4e-4, 0.05)
    second = look(first, 0.0, 1e-4, 4e-4, 0.05)
    half = float(radius(1e-4, 4e-4, 0.05))
    assert second.p == first.p < 0.05
    assert (second.lower, second.upper) == (max(first.lower, -half), min(first.upper, half))


def test_an_empty_intersection_falls_back_to_the_current_interval() -> None:
    far = look(Running(lower=1.0, upper=2.0), 0.0, 1e-4, 4e-4, 0.05)
    half = float(radius(1e-4, 4e-4, 0.05))
    assert (far.lower, far.upper) == pytest.approx((-half, half))
