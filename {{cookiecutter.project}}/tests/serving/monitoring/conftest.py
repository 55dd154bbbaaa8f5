"""The monitoring tests' stand-in for an OpenTelemetry collector."""

from collections.abc import Iterator

import pytest

from .collector import Collector, run_collector


@pytest.fixture
def collector() -> Iterator[Collector]:
    with run_collector() as running:
        yield running
