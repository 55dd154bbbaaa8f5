"""Probing a service: bounded polling for a revision, and a smoke test built from /model."""

import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from {{ cookiecutter.package }}.delivery.probes import (
    revision_matches,
    smoke,
    wait_for_revision,
)
from {{ cookiecutter.package }}.errors import CliError

from .clock import FakeTime
from .standins import JsonHandler, serving

FEATURES = [
    {"name": "alcohol", "dtype": "float", "summary": {"mean": 13.2}},
    {"name": "proline", "dtype": "integer", "summary": {"mean": 746.6}},
]


class StandIn(JsonHandler):
    """Answers like the model server; each GET of /model reports the next of `revisions`, then the last."""

    revisions: ClassVar[list[str]] = []
    predictions: ClassVar[list[dict[str, Any]]] = []
    predict_status: ClassVar[int] = 200

    def do_GET(self) -> None:
        if self.path == "/readyz":
            self.answer(200, {"status": "ready"})
            return
        revision = self.revisions.pop(0) if len(self.revisions) > 1 else self.revisions[0]
        self.answer(200, {"name": "wine", "features": FEATURES, "git_revision": revision})

    def do_POST(self) -> None:
        self.predictions.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.answer(self.predict_status, {"predictions": [1]})


@pytest.fixture
def server() -> Iterator[str]:
    StandIn.revisions = ["old", "old", "old", "abcdef1234567890"]
    StandIn.predictions = []
    StandIn.predict_status = 200
    with serving(StandIn) as url:
        yield url


def test_wait_for_revision_backs_off_until_the_revision_is_served(server: str) -> None:
    time = FakeTime()
    wait_for_revision(server, "abcdef1234567890", 600, samples=1, sleep=time.sleep, clock=time.clock)
    assert time.sleeps == [2.0, 4.0, 8.0]


def test_wait_for_revision_does_not_count_a_canary_at_partial_weight(server: str) -> None:
    StandIn.revisions = ["new", "new", "old", "new", "new", "new"]
    time = FakeTime()
    wait_for_revision(server, "new", 600, samples=3, sleep=time.sleep, clock=time.clock)
    assert time.sleeps == [2.0]
    assert StandIn.revisions == ["new"]


def test_wait_for_revision_gives_up_at_the_timeout_naming_what_it_saw(server: str) -> None:
    StandIn.revisions = ["old"]
    time = FakeTime()
    with pytest.raises(CliError, match="still serves old after 100s; expected revision new"):
        wait_for_revision(server, "new", 100, sleep=time.sleep, clock=time.clock)
    assert time.sleeps == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 10.0]


def test_wait_for_revision_keeps_polling_while_the_service_is_unreachable() -> None:
    time = FakeTime()
    with pytest.raises(CliError, match="no answer"):
        wait_for_revision("http://127.0.0.1:9", "new", 5, sleep=time.sleep, clock=time.clock)
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
    assert revision_matches(reported, wanted) is matches


def test_smoke_predicts_one_row_at_the_training_means(server: str) -> None:
    assert smoke(server) == {"predictions": [1]}
    assert StandIn.predictions == [{"alcohol": 13.2, "proline": 747.0}]


def test_smoke_fails_when_predict_fails(server: str) -> None:
    StandIn.predict_status = 500
    with pytest.raises(CliError, match="/predict answered 500"):
        smoke(server)


def test_smoke_refuses_a_non_http_url() -> None:
    with pytest.raises(CliError, match="not an http"):
        smoke("file:///etc/passwd")
