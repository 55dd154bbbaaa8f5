"""One look at the experiment: both arms' estimates, the effect and its always-valid interval and p, the
sample-ratio check, and the decision they lead to."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from ..manifest import Experiment
from .arms import Counters, Estimate, estimate, proportion_normal_enough
from .decision import Decision, Evidence, decide
from .sequential import Running, look, mixture_variance
from .srm import Ratio, check_ratio


@dataclass(frozen=True)
class Arm:
    version: str
    counters: Counters


@dataclass(frozen=True)
class History:
    """What the looks so far leave to the next one (running p, interval and SRM p)."""

    effect: Running = field(default_factory=Running)
    srm_p: float = 1.0


@dataclass(frozen=True)
class Verdict:
    metric: str
    champion: str
    challenger: str
    estimates: tuple[Estimate, Estimate]
    effect: float
    lower: float
    upper: float
    p: float
    ratio: Ratio
    decision: Decision
    reason: str
    at: datetime
    elapsed_s: float
    history: History


def judge(
    plan: Experiment,
    arms: tuple[Arm, Arm],
    traffic: tuple[int, int],
    at: datetime,
    elapsed_s: float,
    history: History | None = None,
) -> Verdict:
    """The verdict of one look; `arms` and `traffic` are (champion, challenger); `plan.metric` is set."""
    history = history or History()
    proportion = plan.metric == "accuracy"
    delta = plan.minimum_detectable_effect
    a, b = (estimate(arm.counters, proportion, delta) for arm in arms)
    ratio = check_ratio(*traffic, plan.split, plan.srm_alpha, history.srm_p)
    running = history.effect
    enough = min(a.n, b.n) >= plan.minimum_samples_per_arm and (
        not proportion
        or all(proportion_normal_enough(arm.counters.total, float(arm.counters.n)) for arm in arms)
    )
    effect = b.mean - a.mean
    if enough:
        s2 = a.variance / a.n + b.variance / b.n
        tau2 = float(mixture_variance(delta, (a.variance + b.variance) / plan.max_samples_per_arm))
        running = look(running, effect, s2, tau2, plan.alpha)
    at_horizon = elapsed_s >= plan.horizon_s or min(a.n, b.n) >= plan.max_samples_per_arm
    better = -1 if plan.metric == "mae" else 1
    evidence = Evidence(enough, running.p, running.lower, running.upper, better, ratio.mismatch, at_horizon)
    decision, reason = decide(evidence, plan)
    return Verdict(
        metric=str(plan.metric),
        champion=arms[0].version,
        challenger=arms[1].version,
        estimates=(a, b),
        effect=effect if a.n and b.n else math.nan,
        lower=running.lower,
        upper=running.upper,
        p=running.p,
        ratio=ratio,
        decision=decision,
        reason=reason,
        at=at,
        elapsed_s=elapsed_s,
        history=History(running, ratio.p_anytime),
    )
