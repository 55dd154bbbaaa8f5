"""A verdict for people (a short table) and for files (`--record`: JSON that the model card reads)."""

import json
import math
from pathlib import Path
from typing import Any

from ..manifest import Experiment
from .verdict import Verdict


def number(value: float, signed: bool = False) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "-inf" if value < 0 else "+inf"
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def render(verdict: Verdict, plan: Experiment) -> str:
    champion, challenger = verdict.estimates
    ratio = verdict.ratio
    confidence = f"{100 * (1 - plan.alpha):g}%"
    rows = [
        f"{'arm':<11} {'version':<13} {'outcomes':>9} {verdict.metric:>10} {'traffic':>9}",
        *(
            f"{role:<11} {version:<13} {arm.n:>9} {number(arm.mean) if arm.n else 'n/a':>10} {count:>9}"
            for role, version, arm, count in (
                ("champion", verdict.champion, champion, ratio.champion),
                ("challenger", verdict.challenger, challenger, ratio.challenger),
            )
        ),
        f"effect {number(verdict.effect, signed=True)} (challenger - champion), always-valid {confidence}"
        f" CI [{number(verdict.lower, True)}, {number(verdict.upper, True)}], p {number(verdict.p)}",
        f"sample ratio (split {plan.split}%): anytime p {number(ratio.p_anytime)},"
        f" chi-square p {number(ratio.p_chi_square)}",
        f"decision: {verdict.decision} ({verdict.reason})",
    ]
    return "\n".join(rows)


def finite(value: float) -> float | None:
    """JSON has no NaN or infinity: an unbounded side of an interval is null."""
    return value if math.isfinite(value) else None


def record(verdict: Verdict, plan: Experiment) -> dict[str, Any]:
    arms = [
        {"role": role, "version": version, "outcomes": arm.n, "estimate": finite(arm.mean) if arm.n else None,
         "variance": arm.variance, "traffic": traffic}
        for role, version, arm, traffic in (
            ("champion", verdict.champion, verdict.estimates[0], verdict.ratio.champion),
            ("challenger", verdict.challenger, verdict.estimates[1], verdict.ratio.challenger),
        )
    ]  # fmt: skip
    return {
        "metric": verdict.metric,
        "plan": plan.model_dump(mode="json"),
        "arms": arms,
        "effect": finite(verdict.effect),
        "ci": [finite(verdict.lower), finite(verdict.upper)],
        "p": verdict.p,
        "srm": {
            "p_anytime": verdict.ratio.p_anytime,
            "p_chi_square": verdict.ratio.p_chi_square,
            "mismatch": verdict.ratio.mismatch,
        },
        "decision": verdict.decision.value,
        "reason": verdict.reason,
        "time": verdict.at.isoformat(),
        "elapsed_s": round(verdict.elapsed_s, 3),
    }


def write_record(path: Path, verdict: Verdict, plan: Experiment) -> None:
    path.write_text(json.dumps(record(verdict, plan), indent=2) + "\n")
