"""What a running service serves: bounded polling of /model until it serves the delivery just made."""

import pytest

from {{ cookiecutter.package }}.delivery import served
from {{ cookiecutter.package }}.errors import Failure

from .clock import FakeTime
from .standins import MODEL_SHA256, StandIn


def test_wait_for_revision_backs_off_until_the_revision_is_served(server: str) -> None:
    time = FakeTime()
    served.wait_for_revision(
        server, served.Wanted("abcdef1234567890"), 600, samples=1, sleep=time.sleep, clock=time.clock
    )
    assert time.sleeps == [2.0, 4.0, 8.0]


def test_wait_for_revision_does_not_count_a_canary_at_partial_weight(server: str) -> None:
    StandIn.revisions = ["new", "new", "old", "new", "new", "new"]
    time = FakeTime()
    served.wait_for_revision(server, served.Wanted("new"), 600, samples=3, sleep=time.sleep, clock=time.clock)
    assert time.sleeps == [2.0]
    assert StandIn.revisions == ["new"]


def test_wait_for_revision_tells_a_rebuild_of_the_same_commit_from_the_pods_it_replaces(server: str) -> None:
    """Re-running every job, or a dispatch on an unchanged main, builds a new digest of the same commit:
    the commit alone would pass on the old pods, before Argo CD synced. /model's image digest, which
    render puts in the environment's config, tells them apart (issue 18, item 6)."""
    old, new = ("sha256:" + digit * 64 for digit in "12")
    StandIn.revisions = ["abcdef1234567890"]
    StandIn.digests = [old, old, old, new]
    time = FakeTime()
    served.wait_for_revision(
        server,
        served.Wanted("abcdef1", new, MODEL_SHA256),
        600,
        samples=1,
        sleep=time.sleep,
        clock=time.clock,
    )
    assert time.sleeps == [2.0, 4.0, 8.0]
    with pytest.raises(Failure, match="expected revision abcdef1 with image sha256:1"):
        served.wait_for_revision(
            server, served.Wanted("abcdef1", old, MODEL_SHA256), 5, sleep=time.sleep, clock=time.clock
        )
    # Another model under the same commit and image is not the delivery either.
    with pytest.raises(Failure, match="still serves"):
        served.wait_for_revision(
            server, served.Wanted("abcdef1", new, "6" * 64), 5, sleep=time.sleep, clock=time.clock
        )


def test_wait_for_revision_gives_up_at_the_timeout_naming_what_it_saw(server: str) -> None:
    StandIn.revisions = ["old"]
    time = FakeTime()
    with pytest.raises(Failure, match=r"still serves old \(no digest\) after 100s; expected revision new"):
        served.wait_for_revision(server, served.Wanted("new"), 100, sleep=time.sleep, clock=time.clock)
    assert time.sleeps == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 10.0]


def test_wait_for_revision_keeps_polling_while_the_service_is_unreachable() -> None:
    time = FakeTime()
    with pytest.raises(Failure, match="no answer"):
        served.wait_for_revision(
            "http://127.0.0.1:9", served.Wanted("new"), 5, sleep=time.sleep, clock=time.clock
        )
    assert time.sleeps == [2.0, 3.0]


@pytest.mark.parametrize(
    ("reported", "wanted", "matches"),
    [
        ("abcdef1234", "abcdef1234", True),
        ("abcdef1234", "abcdef1", True),
        ("abcdef1234", "abc", False),
        ("unknown", "abcdef1", False),
        (None, "abcdef1", False),
    ],
)
def test_revision_matches_full_and_abbreviated_commits(reported: object, wanted: str, matches: bool) -> None:
    assert served.revision_matches(reported, wanted) is matches
