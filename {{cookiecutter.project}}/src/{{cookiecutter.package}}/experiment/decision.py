"""The decision table: promote, abort, keep running, or stop on a broken split; and each one's exit code."""

from dataclasses import dataclass
from enum import StrEnum

from ..manifest import Experiment


class Decision(StrEnum):
    PROMOTE = "promote"
    ABORT = "abort"
    KEEP_RUNNING = "keep running"
    STOP_SRM = "stop: sample ratio mismatch"


# The verdict's exit codes: a Rollout analysis Job succeeds (promote) on 0 and fails (abort) otherwise.
EXIT_CODES = {Decision.PROMOTE: 0, Decision.KEEP_RUNNING: 3, Decision.ABORT: 4, Decision.STOP_SRM: 5}


@dataclass(frozen=True)
class Evidence:
    """What one look found. `lower`/`upper`: the always-valid interval of the effect (challenger −
    champion); `better`: +1 when a higher metric is better, −1 when lower is (mae)."""

    enough: bool
    p: float
    lower: float
    upper: float
    better: int
    mismatch: bool
    at_horizon: bool


def decide(evidence: Evidence, plan: Experiment) -> tuple[Decision, str]:
    """The decision and its reason, in the order of the table in docs/experiments.md."""
    if evidence.mismatch:
        return Decision.STOP_SRM, "the traffic does not follow the split: fix the routing, then start again"
    if evidence.enough and evidence.p <= plan.alpha:
        # Oriented so that `low > 0` means the challenger is better, whichever way the metric points.
        low, high = sorted((evidence.better * evidence.lower, evidence.better * evidence.upper))
        if low > 0:
            return Decision.PROMOTE, "the challenger is better"
        if high < 0:
            return Decision.ABORT, "the challenger is worse"
    if evidence.at_horizon:
        # A challenger is never promoted on no evidence: an arm short of outcomes at the horizon aborts.
        promote = plan.on_horizon == "promote" and evidence.enough
        fallback = Decision.PROMOTE if promote else Decision.ABORT
        return fallback, f"horizon reached without a difference; on_horizon = {plan.on_horizon}" + (
            "" if promote or plan.on_horizon == "abort" else ", but too few outcomes to promote"
        )
    if not evidence.enough:
        return Decision.KEEP_RUNNING, "too few outcomes per arm for a verdict"
    delta = plan.minimum_detectable_effect
    if -delta < evidence.lower and evidence.upper < delta:
        return Decision.KEEP_RUNNING, "any difference is below the minimum detectable effect"
    return Decision.KEEP_RUNNING, "no difference shown yet"
