"""Watching a canary from outside: promoted when every answer is new, failed as soon as it vanishes."""

from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest

from {{ cookiecutter.package }}.delivery.canary import GONE_FOR_S, POLL_S, wait_for_canary
from {{ cookiecutter.package }}.errors import CliError

from .clock import FakeTime
from .standins import JsonHandler, serving

OLD, NEW = "1" * 40, "2" * 40
# Answers per poll; the shares below are exact multiples of 1/SAMPLES.
SAMPLES = 8
# The share of answers from the new revision at each (fake) second; None: production does not answer.
Timeline = Callable[[float], float | None]


class Production(JsonHandler):
    """/model as production answers it during a canary: the timeline decides which revision answers."""

    time: ClassVar[FakeTime]
    timeline: ClassVar[list[Timeline]] = []
    answered: ClassVar[int] = 0

    def do_GET(self) -> None:
        share = self.timeline[0](self.time.now)
        Production.answered += 1
        if share is None:
            self.answer(503, {"detail": "no endpoints"})
            return
        revision = NEW if Production.answered % SAMPLES < share * SAMPLES else OLD
        self.answer(200, {"git_revision": revision})


@pytest.fixture
def production() -> Iterator[tuple[str, FakeTime]]:
    Production.time, Production.answered = FakeTime(), 0
    with serving(Production) as url:
        yield url, Production.time


def watch(url: str, time: FakeTime, timeline: Timeline, timeout_s: float = 3000) -> None:
    Production.timeline[:] = [timeline]
    wait_for_canary(url, NEW, timeout_s, 900, SAMPLES, sleep=time.sleep, clock=time.clock)


def test_returns_once_every_answer_comes_from_the_new_revision(production: tuple[str, FakeTime]) -> None:
    url, time = production
    watch(url, time, lambda now: 0.0 if now < 60 else 0.25 if now < 600 else 1.0)
    assert 600 <= time.now < 700


def test_fails_as_soon_as_the_canary_vanishes_not_at_the_timeout(production: tuple[str, FakeTime]) -> None:
    url, time = production
    # Argo Rollouts aborted the canary at 300 s and scaled it away: only the old revision answers.
    with pytest.raises(CliError, match="aborted the canary"):
        watch(url, time, lambda now: 0.25 if 30 <= now < 300 else 0.0)
    # The last poll that saw it came at most one interval before the abort.
    assert 300 + GONE_FOR_S - POLL_S <= time.now <= 300 + GONE_FOR_S


def test_fails_when_the_canary_never_appears(production: tuple[str, FakeTime]) -> None:
    url, time = production
    with pytest.raises(CliError, match="never served"):
        watch(url, time, lambda _now: 0.0)
    assert 900 <= time.now < 930


def test_unanswered_polls_are_not_taken_for_an_aborted_canary(production: tuple[str, FakeTime]) -> None:
    url, time = production
    watch(url, time, lambda now: 0.25 if now < 100 else None if now < 400 else 1.0)
    assert time.now >= 400


def test_gives_up_at_the_timeout_while_the_canary_is_still_running(production: tuple[str, FakeTime]) -> None:
    url, time = production
    with pytest.raises(CliError, match="did not reach full weight"):
        watch(url, time, lambda _now: 0.5, timeout_s=600)
