"""Property-based requests generated from the live OpenAPI document: no request makes the server fail."""

import subprocess
import sys
from pathlib import Path

import pytest

from ..servers import LiveServer


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(server: LiveServer, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json"]
    command += ["--checks", "not_a_server_error", "--max-examples", "10", "--seed", "1"]
    # Run from tmp_path: schemathesis keeps a cache in its working directory.
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
