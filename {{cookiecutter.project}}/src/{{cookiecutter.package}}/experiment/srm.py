"""Sample-ratio mismatch: does the traffic follow the split? A broken split stops the experiment.

The test is the anytime-valid one of Lindon & Malek, "Anytime-valid inference for multinomial count data",
NeurIPS 2022 (section 3, the Dirichlet-multinomial Bayes factor): with the arms' counts N, the planned
shares θ₀ and a Dirichlet(kθ₀) prior on the true shares,

    ln BF = ln B(kθ₀ + N) − ln B(kθ₀) − Σ N_i ln θ₀_i,    ln B(a) = Σ ln Γ(a_i) − ln Γ(Σ a_i)

and BF is a martingale under the planned split, so BF ≥ 1/α_SRM may be checked at every look. Pearson's
chi-square p (df 1 for two arms: erfc(sqrt(χ²/2))) is reported beside it for people, who know it from
Fabijan et al., "Diagnosing sample ratio mismatch in online controlled experiments", KDD 2019; it is
not valid under repeated looks, so it decides nothing.
"""

import math
from dataclasses import dataclass

# k in kθ₀: the prior's weight in pseudo-counts, as the reference implementation (savvi) takes it.
CONCENTRATION = 100.0


def log_beta(values: list[float]) -> float:
    return sum(math.lgamma(value) for value in values) - math.lgamma(sum(values))


def log_bayes_factor(counts: list[int], shares: list[float]) -> float:
    prior = [CONCENTRATION * share for share in shares]
    posterior = [alpha + count for alpha, count in zip(prior, counts, strict=True)]
    surprise = sum(count * math.log(share) for count, share in zip(counts, shares, strict=True))
    return log_beta(posterior) - log_beta(prior) - surprise


def chi_square_p(champion: int, challenger: int, challenger_share: float) -> float:
    """Pearson's χ² p-value of two arms' counts against the planned share (1.0 with no traffic)."""
    total = champion + challenger
    if total == 0:
        return 1.0
    expected = (total * (1.0 - challenger_share), total * challenger_share)
    chi2 = sum((observed - e) ** 2 / e for observed, e in zip((champion, challenger), expected, strict=True))
    return math.erfc(math.sqrt(chi2 / 2.0))


@dataclass(frozen=True)
class Ratio:
    """The sample-ratio check at one look: the counts, both p-values, and whether the split is broken."""

    champion: int
    challenger: int
    p_anytime: float
    p_chi_square: float
    mismatch: bool


def check_ratio(
    champion: int, challenger: int, split_percent: int, alpha: float, previous: float = 1.0
) -> Ratio:
    """`previous`: the smallest anytime p of the looks before (1/BF, running minimum)."""
    share = split_percent / 100.0
    log_bf = log_bayes_factor([champion, challenger], [1.0 - share, share])
    p_anytime = min(previous, math.exp(-log_bf) if log_bf > 0 else 1.0)
    p_chi = chi_square_p(champion, challenger, share)
    return Ratio(champion, challenger, p_anytime, p_chi, p_anytime <= alpha)
