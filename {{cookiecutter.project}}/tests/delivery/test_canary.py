"""Watching a canary from outside: promoted once every answer has been new for two minutes, failed as
soon as it vanishes, superseded when a newer delivery replaces it."""

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from {{ cookiecutter.package }}.delivery import canary, handover
from {{ cookiecutter.package }}.delivery.served import DEFAULT_SAMPLES, Served, Wanted
from {{ cookiecutter.package }}.errors import Failure

from .clock import FakeTime
from .standins import JsonHandler, serving

MODEL = "9" * 64
OLD = {"git_revision": "1" * 40, "image_digest": "sha256:" + "1" * 64}
NEW = {"git_revision": "2" * 40, "image_digest": "sha256:" + "2" * 64}
# The same commit built again (a re-run of every job): another digest, which is not the delivery.
REBUILT = {**NEW, "image_digest": "sha256:" + "3" * 64}
NEWER = {"git_revision": "4" * 40, "image_digest": "sha256:" + "4" * 64}
WANTED = Wanted(NEW["git_revision"], NEW["image_digest"], MODEL)
# Answers per poll; the shares below are exact multiples of 1/SAMPLES.
SAMPLES = 4
# Which delivery answers the n-th request at a (fake) second; None: production does not answer.
Answerer = Callable[[float, int], dict[str, str] | None]


def share(
    new: float, of: dict[str, str] = NEW, rest: dict[str, str] = OLD
) -> Callable[[int], dict[str, str]]:
    """`new` of every SAMPLES answers from `of`, the others from `rest`."""
    return lambda index: of if index % SAMPLES < new * SAMPLES else rest


class Production(JsonHandler):
    """/model as production answers it during a canary."""

    time: ClassVar[FakeTime]
    answerer: ClassVar[list[Answerer]] = []
    answered: ClassVar[int] = 0

    def do_GET(self) -> None:
        Production.answered += 1
        found = self.answerer[0](self.time.now, Production.answered)
        if found is None:
            self.answer(503, {"detail": "no endpoints"})
            return
        body: dict[str, Any] = {**found, "onnx": {"sha256": MODEL}}
        self.answer(200, body)


@pytest.fixture
def production() -> Iterator[tuple[str, FakeTime]]:
    Production.time, Production.answered = FakeTime(), 0
    with serving(Production) as url:
        yield url, Production.time


def watch(
    url: str, time: FakeTime, answerer: Answerer, timeout_s: float = 3000, split: int | None = None
) -> Served | canary.HandedOver | None:
    Production.answerer[:] = [answerer]
    return canary.wait_for_canary(
        url, WANTED, timeout_s, 900, SAMPLES, sleep=time.sleep, clock=time.clock, split=split
    )


def timeline(*spans: tuple[float, Callable[[int], dict[str, str] | None]]) -> Answerer:
    """(until second, answers) spans; the last one lasts for ever."""

    def answer(now: float, index: int) -> dict[str, str] | None:
        return next((pick for until, pick in spans if now < until), spans[-1][1])(index)

    return answer


def test_promoted_only_once_every_answer_was_new_for_two_minutes(production: tuple[str, FakeTime]) -> None:
    url, time = production
    assert watch(url, time, timeline((60, share(0)), (600, share(0.25)), (10**9, share(1)))) is None
    assert 600 + canary.SUSTAIN_S <= time.now < 600 + canary.SUSTAIN_S + 2 * canary.POLL_S


def test_one_round_all_new_by_chance_is_not_a_promotion(production: tuple[str, FakeTime]) -> None:
    """At 75% weight a round of 20 answers is all new 0.3% of the time (issue 18, item 6): a watch that
    stopped at the first such round promoted canaries Argo Rollouts had not promoted."""
    url, time = production
    lucky = timeline((100, share(0.75)), (100 + canary.POLL_S, share(1)), (10**9, share(0.75)))
    with pytest.raises(Failure, match="did not hold full weight"):
        watch(url, time, lucky, timeout_s=400)


def test_a_pass_by_chance_at_75_percent_weight_is_out_of_reach() -> None:
    rounds = int(canary.SUSTAIN_S / canary.POLL_S) + 1
    assert 0.75**DEFAULT_SAMPLES > 1e-3
    assert 0.75 ** (DEFAULT_SAMPLES * rounds) < 1e-30


def test_a_rebuild_of_the_same_commit_is_not_the_canary(production: tuple[str, FakeTime]) -> None:
    """Same commit, another digest: the pods of an earlier build, which answered before Argo CD synced."""
    url, time = production
    with pytest.raises(Failure, match="never served"):
        watch(url, time, timeline((10**9, share(1, of=REBUILT))))


def test_fails_as_soon_as_the_canary_vanishes_not_at_the_timeout(production: tuple[str, FakeTime]) -> None:
    url, time = production
    # Argo Rollouts aborted the canary at 300 s and scaled it away: only the old delivery answers.
    with pytest.raises(Failure, match="aborted the canary"):
        watch(url, time, timeline((30, share(0)), (300, share(0.25)), (10**9, share(0))))
    # The last poll that saw it came at most one interval before the abort.
    assert 300 + canary.GONE_FOR_S - canary.POLL_S <= time.now <= 300 + canary.GONE_FOR_S


def test_a_newer_delivery_that_replaces_the_canary_supersedes_it(production: tuple[str, FakeTime]) -> None:
    """Argo Rollouts scales a canary down when the pod template changes again mid-rollout and starts
    the newer one (argo-rollouts v1.9.1 docs/index.md:49): this watch then ends, superseded, not red."""
    url, time = production
    newer = watch(url, time, timeline((200, share(0.25)), (10**9, share(0.25, of=NEWER))))
    assert newer == Served(NEWER["git_revision"], NEWER["image_digest"], MODEL)
    assert 200 <= time.now < 200 + canary.POLL_S


def test_fails_when_the_canary_never_appears(production: tuple[str, FakeTime]) -> None:
    url, time = production
    with pytest.raises(Failure, match="never served"):
        watch(url, time, timeline((10**9, share(0))))
    assert 900 <= time.now < 930


def test_unanswered_polls_are_not_taken_for_an_aborted_canary(production: tuple[str, FakeTime]) -> None:
    url, time = production
    assert (
        watch(url, time, timeline((100, share(0.25)), (400, lambda _index: None), (10**9, share(1)))) is None
    )
    assert time.now >= 400 + canary.SUSTAIN_S


def test_gives_up_at_the_timeout_while_the_canary_is_still_running(production: tuple[str, FakeTime]) -> None:
    url, time = production
    with pytest.raises(Failure, match="did not hold full weight"):
        watch(url, time, timeline((10**9, share(0.5))), timeout_s=600)


# The default production steps as a watch sees them: 5% (a quarter, at SAMPLES answers a round), 25%,
# then 50% for the last canary-health gate and, with the A/B stage, 50% again for the experiment.
STEPS = ((60, share(0)), (300, share(0.25)))


def test_a_canary_holding_the_split_past_its_health_gates_is_handed_over(
    production: tuple[str, FakeTime],
) -> None:
    url, time = production
    assert watch(url, time, timeline(*STEPS, (10**9, share(0.5))), split=50) == canary.HandedOver(50)
    assert 300 + handover.HOLD_S <= time.now <= 300 + handover.HOLD_S + handover.CHUNK_S + 2 * canary.POLL_S


def test_the_last_health_gate_at_the_split_s_weight_is_not_taken_for_the_experiment(
    production: tuple[str, FakeTime],
) -> None:
    """Shorter than HOLD_S at 50%, then every answer new: a promotion, never a hand-off."""
    url, time = production
    answers = timeline(*STEPS, (300 + handover.HOLD_S / 2, share(0.5)), (10**9, share(1)))
    assert watch(url, time, answers, split=50) is None


def test_a_share_off_the_split_starts_the_hold_again(production: tuple[str, FakeTime]) -> None:
    url, time = production
    dip = (300 + handover.HOLD_S / 2, 300 + handover.HOLD_S / 2 + 2 * handover.CHUNK_S)
    answers = timeline(*STEPS, (dip[0], share(0.5)), (dip[1], share(0.25)), (10**9, share(0.5)))
    assert watch(url, time, answers, split=50) == canary.HandedOver(50)
    assert time.now >= dip[1] + handover.HOLD_S


def test_a_canary_aborted_during_the_hold_still_fails_and_is_rolled_back(
    production: tuple[str, FakeTime],
) -> None:
    url, time = production
    with pytest.raises(Failure, match="aborted the canary"):
        watch(url, time, timeline(*STEPS, (400, share(0.5)), (10**9, share(0))), split=50)


def test_without_the_stage_a_canary_at_50_percent_is_never_handed_over(
    production: tuple[str, FakeTime],
) -> None:
    url, time = production
    with pytest.raises(Failure, match="did not hold full weight"):
        watch(url, time, timeline(*STEPS, (10**9, share(0.5))), timeout_s=300 + 2 * handover.HOLD_S)
