"""Probing a service: bounded polling for a revision, and a smoke test built from /model."""

import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from {{ cookiecutter.package }}.delivery import served
from {{ cookiecutter.package }}.delivery.smoke import smoke
from {{ cookiecutter.package }}.errors import Failure

from .clock import FakeTime
from .standins import JsonHandler, serving

MODEL_SHA256 = "5" * 64
FEATURES = [
    {"name": "alcohol", "dtype": "float", "summary": {"mean": 13.2}},
    {"name": "proline", "dtype": "integer", "summary": {"mean": 746.6}},
]


class StandIn(JsonHandler):
    """Answers like the model server; each GET of /model reports the next of `revisions`, then the last."""

    revisions: ClassVar[list[str]] = []
    digests: ClassVar[list[str]] = ["unknown"]
    predictions: ClassVar[list[dict[str, Any]]] = []
    predict_status: ClassVar[int] = 200

    def do_GET(self) -> None:
        if self.path == "/readyz":
            self.answer(200, {"status": "ready"})
            return
        revision = self.revisions.pop(0) if len(self.revisions) > 1 else self.revisions[0]
        digest = self.digests.pop(0) if len(self.digests) > 1 else self.digests[0]
        model = {"name": "wine", "features": FEATURES, "onnx": {"sha256": MODEL_SHA256}}
        self.answer(200, {**model, "git_revision": revision, "image_digest": digest})

    def do_POST(self) -> None:
        self.predictions.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.answer(self.predict_status, {"predictions": [1]})


@pytest.fixture
def server() -> Iterator[str]:
    StandIn.revisions = ["old", "old", "old", "abcdef1234567890"]
    StandIn.digests = ["unknown"]
    StandIn.predictions = []
    StandIn.predict_status = 200
    with serving(StandIn) as url:
        yield url


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


def test_smoke_predicts_one_row_at_the_training_means(server: str) -> None:
    assert smoke(server) == {"predictions": [1]}
    assert StandIn.predictions == [{"alcohol": 13.2, "proline": 747.0}]


def test_smoke_fails_when_predict_fails(server: str) -> None:
    StandIn.predict_status = 500
    with pytest.raises(Failure, match="/predict answered 500"):
        smoke(server)


def test_smoke_refuses_a_non_http_url() -> None:
    with pytest.raises(Failure, match="not an http"):
        smoke("file:///etc/passwd")
