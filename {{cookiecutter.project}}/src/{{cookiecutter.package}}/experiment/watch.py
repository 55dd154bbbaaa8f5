"""Looking at a running experiment: once, or again every interval until a decision or the horizon."""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..manifest import Experiment
from .decision import Decision
from .prometheus import Prometheus, PrometheusError
from .readings import read_arms, read_traffic, window_seconds
from .report import number
from .verdict import Arm, History, Verdict, judge

# A watch rides out this many failed reads of Prometheus in a row (a restart, a slow rule evaluation)
# before it gives up with exit 6; a single look gives up at once.
MAX_FAILED_LOOKS = 3


@dataclass(frozen=True)
class Setup:
    """One experiment: the plan (its metric set), the versions (champion, challenger) and its start."""

    plan: Experiment
    versions: tuple[str, str]
    start: datetime


def look_once(prometheus: Prometheus, setup: Setup, history: History, now: datetime) -> Verdict:
    elapsed_s = max(0.0, (now - setup.start).total_seconds())
    window, at = window_seconds(elapsed_s), now.timestamp()
    metric = str(setup.plan.metric)
    champion, challenger = read_arms(prometheus, metric, setup.versions, window, at)
    traffic = read_traffic(prometheus, setup.versions, window, at)
    arms = (Arm(setup.versions[0], champion), Arm(setup.versions[1], challenger))
    return judge(setup.plan, arms, traffic, now, elapsed_s, history)


def watch(
    prometheus: Prometheus,
    setup: Setup,
    interval_s: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Verdict:
    """Look every `interval_s` until the decision is no longer "keep running": the horizon ends every
    experiment (judge applies on_horizon there), so the watch ends by then at the latest."""
    history, failures = History(), 0
    while True:
        try:
            verdict = look_once(prometheus, setup, history, clock())
        except PrometheusError as error:
            failures += 1
            if failures >= MAX_FAILED_LOOKS:
                raise
            print(f"warning: look failed ({failures} in a row): {error}", file=sys.stderr)
            sleep(interval_s)
            continue
        failures, history = 0, verdict.history
        if verdict.decision is not Decision.KEEP_RUNNING:
            return verdict
        print(progress(verdict))
        remaining = setup.plan.horizon_s - verdict.elapsed_s
        sleep(max(0.0, min(interval_s, remaining)))


def progress(verdict: Verdict) -> str:
    champion, challenger = verdict.estimates
    return (
        f"{verdict.at:%Y-%m-%dT%H:%M:%SZ} outcomes {champion.n}/{challenger.n}"
        f" effect {number(verdict.effect, True)}"
        f" CI [{number(verdict.lower, True)}, {number(verdict.upper, True)}]"
        f" p {number(verdict.p)}: {verdict.decision} ({verdict.reason})"
    )
