"""Drive a URL with wrk (C, event-driven: not the bottleneck) and read back its JSON summary."""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("post.lua")
INSTALL_HINT = "wrk not found; install it (Debian/Ubuntu: sudo apt-get install wrk, macOS: brew install wrk)"


@dataclass
class Cell:
    target: str
    payload: str
    concurrency: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(f"error: {INSTALL_HINT}")
    return path


def drive(url: str, body: bytes, concurrency: int, seconds: int, target: str, payload: str) -> Cell:
    """POST body to url from `concurrency` connections for `seconds`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as body_file:
        body_file.write(body)
        body_file.flush()
        command = [
            require_wrk(),
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(SCRIPT),
            url,
        ]
        result = subprocess.run(
            command,
            env={**os.environ, "WRK_BODY": body_file.name},
            capture_output=True,
            text=True,
            check=True,
        )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return Cell(
        target=target,
        payload=payload,
        concurrency=concurrency,
        requests_per_s=round(summary["requests"] / (summary["duration_us"] / 1e6), 1),
        p50_ms=round(summary["p50_us"] / 1000, 3),
        p99_ms=round(summary["p99_us"] / 1000, 3),
        errors=summary["socket_errors"] + summary["bad_status"],
    )
