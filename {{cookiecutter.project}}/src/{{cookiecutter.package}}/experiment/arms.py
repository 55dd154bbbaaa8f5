"""One arm's estimate of the metric from its counters: outcomes, mean and a plug-in variance with a floor.

The functions take floats or numpy arrays alike, so the simulation (simulate.py) runs the very code the
verdict does over thousands of runs at once.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

Values = TypeVar("Values", float, npt.NDArray[np.float64])
# A proportion is normal enough for the test once an arm has this many outcomes of each kind, roughly:
# the usual n·p·(1−p) ≥ 10 rule for the normal approximation of a binomial.
MIN_EXPECTED_EACH_WAY = 10.0


@dataclass(frozen=True)
class Counters:
    """An arm's counters over the experiment: outcomes, and the sums of the metric and of its square
    (correct answers twice for accuracy; Σ|e| and Σe² for mae; Σy and Σy² for a business outcome)."""

    n: int
    total: float
    squares: float


@dataclass(frozen=True)
class Estimate:
    """The metric's mean over an arm's outcomes and the variance of one outcome, floored."""

    n: int
    mean: float
    variance: float


def smoothed_share(successes: Values, n: Values) -> Values:
    """(x + 1) / (n + 2): a share that is never 0 or 1, so that an arm right every time so far still has a
    variance (Agresti & Coull, "Approximate is better than exact", Am. Stat. 52(2), 1998)."""
    return (successes + 1.0) / (n + 2.0)


def proportion_variance(successes: Values, n: Values) -> Values:
    share = smoothed_share(successes, n)
    return share * (1.0 - share)


def sample_variance(total: Values, squares: Values, n: Values, floor: float) -> Values:
    """The unbiased variance from Σx and Σx², at least `floor` (and finite for n ≤ 1)."""
    spread = (squares - total * total / np.maximum(n, 1.0)) / np.maximum(n - 1.0, 1.0)
    return np.maximum(spread, floor)  # type: ignore[no-any-return]


def variance_floor(minimum_detectable_effect: float) -> float:
    """The variance of outcomes spread ±δ/2 around their mean: below it, early identical outcomes (an
    error that is always 0) would make the test certain of a difference from a handful of them."""
    return (minimum_detectable_effect / 2.0) ** 2


def estimate(counters: Counters, proportion: bool, minimum_detectable_effect: float) -> Estimate:
    n = counters.n
    mean = counters.total / n if n else 0.0
    if proportion:
        variance = proportion_variance(float(counters.total), float(n))
    else:
        floor = variance_floor(minimum_detectable_effect)
        variance = sample_variance(counters.total, counters.squares, float(n), floor)
    return Estimate(n, mean, float(variance))


def proportion_normal_enough(successes: Values, n: Values) -> Any:
    """Whether an arm's successes and failures are each about MIN_EXPECTED_EACH_WAY or more."""
    return n * proportion_variance(successes, n) >= MIN_EXPECTED_EACH_WAY
