"""The A/B stage as the canary watch sees it: its split, read from the rendered Rollout, and when a
canary that holds that split has passed its health gates and is Argo Rollouts' to finish."""

from pathlib import Path
from typing import Any

from ..errors import Failure
from .kustomize import documents
from .render import MANIFESTS_FILE

# The annotation k8s/components/experiment puts on the Rollout: the verdict analysis's template name.
STAGE_ANNOTATION = "experiment-stage"
# The share is judged a minute of answers at a time: 6 rounds of 20, 120 answers. At a 50% split its
# standard deviation is 0.046, so a true split falls outside the tolerance in about 1 minute of 1,000;
# a 25% step reaches it (42 of 120) in about 6 of 1,000, and would have to ten minutes in a row.
CHUNK_S = 60.0
TOLERANCE = 0.15
# A weight equal to the split can also be a canary-health step (the last one runs at 50%). That
# analysis ends within initialDelay + (count + consecutiveErrorLimit) x interval, 9 minutes as
# rendered (tests/infra/test_experiment_stage.py checks it): held longer, the step is the split's.
HOLD_S = 600.0


def split_of(manifests: str) -> int | None:
    """The challenger's weight in the experiment stage of the rendered Rollout; None without a stage."""
    for document in documents(manifests):
        if not isinstance(document, dict) or document.get("kind") != "Rollout":
            continue
        template = ((document.get("metadata") or {}).get("annotations") or {}).get(STAGE_ANNOTATION)
        if template is not None:
            return stage_weight(document, str(template))
    return None


def stage_weight(rollout: dict[str, Any], template: str) -> int:
    """The setWeight right before the analysis that runs `template`: the split the verdict holds."""
    canary = rollout.get("spec", {}).get("strategy", {}).get("canary", {})
    steps: list[dict[str, Any]] = canary.get("steps") or []
    for before, step in zip([{}, *steps], steps, strict=False):
        names = [t.get("templateName") for t in (step.get("analysis") or {}).get("templates", [])]
        if template in names and isinstance(before.get("setWeight"), int):
            return int(before["setWeight"])
    raise Failure(
        f"the Rollout is annotated {STAGE_ANNOTATION}: {template}, but no step sets a weight before it"
    )


def rendered_split(rendered: Path) -> int | None:
    """The split of the production render in `rendered` (`make render ENV=production`)."""
    path = rendered / MANIFESTS_FILE
    if not path.is_file():
        raise Failure(f"{path} does not exist: render production first (make render ENV=production ...)")
    return split_of(path.read_text())


class SplitHold:
    """Whether the new delivery's share of answers has stayed at the split, minute after minute, for
    HOLD_S: its health gates are behind it, and the verdict's stage holds it there."""

    def __init__(self, split_percent: int) -> None:
        self.percent = split_percent
        self.split = split_percent / 100
        self.chunk: tuple[float, int, int] | None = None
        self.since: float | None = None

    def add(self, now: float, new: int, answers: int) -> bool:
        """Count one round; True once the split has held for HOLD_S."""
        if answers == 0:
            return self.held(now)
        start, seen_new, seen = self.chunk or (now, 0, 0)
        self.chunk = (start, seen_new + new, seen + answers)
        if now - start >= CHUNK_S:
            at_split = abs((seen_new + new) / (seen + answers) - self.split) <= TOLERANCE
            # From the end of the first minute at the split: one that straddles the step before counts
            # as at the split, and must not count towards the hold.
            self.since = (self.since if self.since is not None else now) if at_split else None
            self.chunk = None
        return self.held(now)

    def held(self, now: float) -> bool:
        return self.since is not None and now - self.since >= HOLD_S
