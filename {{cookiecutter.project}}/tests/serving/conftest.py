"""The serving tests' real server: `server` (and `two_workers`) is `python -m <package> serve`, shared by
the tests that only send it requests. The app in process (`client`) is in tests/apps.py."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..servers import LiveServer, live_server


@pytest.fixture(scope="session")
def server(artifacts_dir: Path) -> Iterator[LiveServer]:
    """`python -m <package> serve` with the default settings, started once per test process."""
    with live_server(artifacts_dir) as running:
        yield running


@pytest.fixture(scope="session")
def two_workers(artifacts_dir: Path) -> Iterator[LiveServer]:
    """The same with --workers 2, shared the same way: its users only send requests."""
    with live_server(artifacts_dir, workers=2) as running:
        yield running
