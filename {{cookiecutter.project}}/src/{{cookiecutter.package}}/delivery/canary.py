"""Watch a production canary from outside: /model says whether the new delivery took over or vanished.

Without a traffic router, the canary's pods sit behind the same Service as the stable ones, so a share
of the answers comes from the new delivery while the canary runs. Once it has been seen, no answer
from it for a while means Argo Rollouts aborted the canary and scaled it away. Answers are told apart
by commit, image digest and model sha256, so a rebuild of the same commit is never taken for the
pods it replaces.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import Failure
from .handover import SplitHold
from .served import DEFAULT_SAMPLES, Served, Wanted, served_identity

POLL_S = 10.0
# Longer than any gap between two rounds that see a single canary pod among several stable ones.
GONE_FOR_S = 120.0
# Promoted means every answer of every round came from the new delivery for this long. One round of
# 20 answers at 75% weight is all new by chance 0.75**20 = 0.3% of the time; 13 rounds in a row,
# 260 answers, about 1e-32.
SUSTAIN_S = 120.0


@dataclass(frozen=True)
class HandedOver:
    """The canary passed its health gates and holds the experiment's split: Argo Rollouts' verdict ends it."""

    split: int


def served_identities(base_url: str, samples: int) -> list[Served]:
    """What `samples` answers of /model report; answers that fail are left out."""
    seen = []
    for _ in range(samples):
        try:
            seen.append(served_identity(base_url))
        except Failure:
            continue
    return seen


def wait_for_canary(
    base_url: str,
    wanted: Wanted,
    timeout_s: float,
    appear_within_s: float,
    samples: int = DEFAULT_SAMPLES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    split: int | None = None,
) -> Served | HandedOver | None:
    """Return None once every answer reports `wanted` for SUSTAIN_S, or what a newer delivery serves
    once it took over (Argo Rollouts replaces a canary by the newer one), or, with an experiment
    stage at `split` percent, HandedOver once the canary held that share for handover.HOLD_S; raise
    as soon as the canary is gone, never came, or the timeout passed."""
    start = clock()
    hold = None if split is None else SplitHold(split)
    last_seen: float | None = None
    all_new_since: float | None = None
    before: set[Served] | None = None
    while True:
        answers = served_identities(base_url, samples)
        now = clock()
        new = sum(wanted.matches(answer) for answer in answers)
        others = {answer for answer in answers if not wanted.matches(answer)}
        if before is None and answers:
            before = others
        if newer := others - (before or set()):
            return min(newer, key=str)
        if not answers or new < samples:
            all_new_since = None
        elif all_new_since is None:
            all_new_since = now
        if all_new_since is not None and now - all_new_since >= SUSTAIN_S:
            return None
        if hold is not None and hold.add(now, new, len(answers)):
            return HandedOver(hold.percent)
        last_seen = now if new else last_seen
        unseen_for = None if last_seen is None else now - last_seen
        check_progress(
            base_url, wanted, (now - start, unseen_for), bool(answers), (timeout_s, appear_within_s)
        )
        sleep(POLL_S)


def check_progress(
    base_url: str,
    wanted: Wanted,
    times: tuple[float, float | None],
    answered: bool,
    limits: tuple[float, float],
) -> None:
    """Raise when the canary vanished, never appeared, or ran out of time. `times`: seconds since the
    watch began, and since the canary last answered (None: never); `limits`: the timeout, and the time
    it has to appear. A round nobody answered says nothing about an abort."""
    (elapsed, unseen_for), (timeout_s, appear_within_s) = times, limits
    if answered and unseen_for is not None and unseen_for >= GONE_FOR_S:
        raise Failure(
            f"{base_url} served {wanted.revision} and then stopped for {unseen_for:.0f}s: "
            "Argo Rollouts aborted the canary"
        )
    if unseen_for is None and elapsed >= appear_within_s:
        raise Failure(f"{base_url} never served {wanted.revision} within {appear_within_s:g}s")
    if elapsed >= timeout_s:
        raise Failure(f"{base_url} did not hold full weight on {wanted.revision} within {timeout_s:g}s")
