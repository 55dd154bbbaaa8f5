"""The mixture sequential probability ratio test (mSPRT) on the difference of two arms' means: a p-value and
a confidence interval that stay valid however often, and whenever, the verdict looks.

Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests", KDD 2017 (section 4, the normal mixture), and
Johari, Pekelis & Walsh, "Always valid inference", Operations Research 70(3), 2022. With the effect
estimate θ̂ = mean_B − mean_A ~ N(θ, s²), s² = σ_A²/n_A + σ_B²/n_B, and a N(θ₀, τ²) mixture over the
effect, the likelihood ratio against θ = θ₀ is

    Λ(θ₀) = sqrt(s² / (s² + τ²)) · exp(τ² (θ̂ − θ₀)² / (2 s² (s² + τ²)))

the paper's balanced form (n pairs, per-pair variance V) with s² = V/n, written for unequal arms. Under
θ = θ₀ it is a nonnegative martingale, so by Ville's inequality P(sup Λ ≥ 1/α) ≤ α: the running minimum
of 1/Λ(0) is an always-valid p-value, and {θ₀ : Λ(θ₀) < 1/α}, intersected over looks, an always-valid
confidence sequence (Howard, Ramdas, McAuliffe & Sekhon, Ann. Stat. 49(2), 2021, eq. (14)). The
variances are plug-in estimates, so the guarantee is asymptotic (Waudby-Smith, Arbour, Sinha, Kennedy &
Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences", 2021): hence a minimum
sample per arm before any verdict, and the A/A simulation (simulate.py) as the empirical check.
"""

import math
from dataclasses import dataclass

import numpy as np

from .arms import Values

# τ² is never below this share of δ²: a planned sample too small to detect δ still gets a usable mixture.
MIN_MIXTURE_SHARE = 0.1


def mixture_variance(minimum_detectable_effect: float, variance_at_horizon: Values) -> Values:
    """τ² = δ² − s²(n*), which maximises the expected log Λ when the effect is the MDE δ at the planned
    sample n* (s²(n*) = (σ_A² + σ_B²)/n*), floored at MIN_MIXTURE_SHARE·δ². The papers' alternative
    (`calcTau` of the mixtureSPRT package) assumes standardised data; the MDE is in the metric's unit."""
    delta2 = minimum_detectable_effect**2
    return np.maximum(delta2 - variance_at_horizon, MIN_MIXTURE_SHARE * delta2)  # type: ignore[no-any-return]


def log_likelihood_ratio(effect: Values, s2: Values, tau2: Values, null: float = 0.0) -> Values:
    """ln Λ(θ₀ = null), in logs so that a large effect overflows nothing."""
    gap = effect - null
    return 0.5 * np.log(s2 / (s2 + tau2)) + tau2 * gap * gap / (2.0 * s2 * (s2 + tau2))  # type: ignore[no-any-return]


def radius(s2: Values, tau2: Values, alpha: float) -> Values:
    """Half the width of {θ₀ : Λ(θ₀) < 1/α}, centred on θ̂: Λ = 1/α solved for θ̂ − θ₀."""
    return np.sqrt(s2 * (s2 + tau2) / tau2 * (np.log((s2 + tau2) / s2) - 2.0 * math.log(alpha)))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Running:
    """What carries from one look to the next: the smallest p so far and the intersection of the intervals."""

    p: float = 1.0
    lower: float = -math.inf
    upper: float = math.inf


def look(running: Running, effect: float, s2: float, tau2: float, alpha: float) -> Running:
    """The state after one more look at (θ̂, s²). An empty intersection can only follow a broken
    assumption (the plug-in variance far off); the current interval stands in for it then."""
    p = min(running.p, math.exp(-float(log_likelihood_ratio(effect, s2, tau2))))
    half = float(radius(s2, tau2, alpha))
    lower, upper = max(running.lower, effect - half), min(running.upper, effect + half)
    if lower > upper:
        lower, upper = effect - half, effect + half
    return Running(min(p, 1.0), lower, upper)
