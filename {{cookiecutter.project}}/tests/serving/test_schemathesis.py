"""Property-based requests generated from the live OpenAPI document: no request makes the server fail."""

import subprocess
import sys

import pytest

from ..servers import LiveServer


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(server: LiveServer) -> None:
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json"]
    command += ["--checks", "not_a_server_error", "--max-examples", "10", "--seed", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
