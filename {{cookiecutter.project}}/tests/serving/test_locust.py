"""A short headless locust run against a real server finishes with zero failures (correctness, not speed)."""

import subprocess
import sys

import pytest

from .. import PROJECT_DIR
from ..servers import LiveServer

LOCUSTFILE = PROJECT_DIR / "loadtest" / "locustfile.py"


def run_locust(url: str, run_time: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url]
    command += ["--users", "8", "--spawn-rate", "8", "--run-time", run_time, "--only-summary", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.slow
def test_locust_run_against_both_apis_has_no_failures(two_workers: LiveServer) -> None:
    # Long enough for thousands of requests of each kind from 8 users at once.
    result = run_locust(two_workers.url, "2s", "--max-fail-ratio", "0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "load test passed" in result.stderr
    for name in ("/predict", "/predict [batch]", "/v2/models/[name]/infer"):
        assert name in result.stdout + result.stderr


@pytest.mark.slow
def test_locust_exits_non_zero_when_a_threshold_is_crossed(server: LiveServer) -> None:
    # Every request takes longer than a microsecond, so a second of load crosses the threshold.
    result = run_locust(server.url, "1s", "--max-p99-ms", "0.001")
    assert result.returncode == 1
    assert "load test failed: p99" in result.stderr
