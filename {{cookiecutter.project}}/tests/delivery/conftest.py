"""Fixtures of the delivery tests: env branches on a local remote, and a stand-in model server."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..branches import Branches, make_branches
from .standins import StandIn, serving


@pytest.fixture
def branches(tmp_path: Path) -> Branches:
    """A bare remote whose main holds four merges, and the clone a delivery job publishes from."""
    return make_branches(tmp_path)


@pytest.fixture
def server() -> Iterator[str]:
    """The stand-in model server on loopback, about to serve "abcdef1234567890" after three "old"s."""
    StandIn.revisions = ["old", "old", "old", "abcdef1234567890"]
    StandIn.digests = ["unknown"]
    StandIn.predictions = []
    StandIn.predict_status = 200
    StandIn.variants = []
    with serving(StandIn) as url:
        yield url
