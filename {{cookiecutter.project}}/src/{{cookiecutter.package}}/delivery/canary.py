"""Watch a production canary from outside: /model says whether the new revision took over or vanished.

Without a traffic router, the canary's pods sit behind the same Service as the stable ones, so a share
of the answers comes from the new revision while the canary runs. Every answer from it means the
rollout reached full weight. Once it has been seen, no answer from it for a while means Argo Rollouts
aborted the canary and scaled it away.
"""

import time
from collections.abc import Callable

from ..errors import CliError
from .probes import DEFAULT_SAMPLES, revision_matches, served_revision

POLL_S = 10.0
# Longer than any gap between two rounds that see a single canary pod among several stable ones.
GONE_FOR_S = 120.0


def served_revisions(base_url: str, samples: int) -> list[object]:
    """The revisions `samples` answers of /model report; answers that fail are left out."""
    seen = []
    for _ in range(samples):
        try:
            seen.append(served_revision(base_url))
        except CliError:
            continue
    return seen


def wait_for_canary(
    base_url: str,
    revision: str,
    timeout_s: float,
    appear_within_s: float,
    samples: int = DEFAULT_SAMPLES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once every answer reports `revision`; raise as soon as the canary is gone or never came."""
    start = clock()
    last_seen: float | None = None
    while True:
        answers = served_revisions(base_url, samples)
        new = sum(revision_matches(answer, revision) for answer in answers)
        now = clock()
        if answers and new == samples:
            return
        if new:
            last_seen = now
        elif answers and last_seen is not None and now - last_seen >= GONE_FOR_S:
            raise CliError(
                f"{base_url} served {revision} and then stopped for {now - last_seen:.0f}s: "
                "Argo Rollouts aborted the canary"
            )
        elif last_seen is None and now - start >= appear_within_s:
            raise CliError(f"{base_url} never served {revision} within {appear_within_s:g}s")
        if now - start >= timeout_s:
            raise CliError(f"{base_url} did not reach full weight on {revision} within {timeout_s:g}s")
        sleep(POLL_S)
