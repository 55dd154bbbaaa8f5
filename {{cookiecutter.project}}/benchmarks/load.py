"""Drive a URL with wrk (C, event-driven: not the bottleneck) and read back its JSON summary."""

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
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
    cpu_us_per_request: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def median(runs: list[Cell]) -> Cell:
    """One cell from several runs of it: the median of each figure, and every error."""

    def middle(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    first = runs[0]
    return Cell(
        target=first.target,
        payload=first.payload,
        concurrency=first.concurrency,
        requests_per_s=middle([run.requests_per_s for run in runs]),
        p50_ms=middle([run.p50_ms for run in runs]),
        p99_ms=middle([run.p99_ms for run in runs]),
        errors=sum(run.errors for run in runs),
        cpu_us_per_request=middle([run.cpu_us_per_request for run in runs]),
    )


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(f"error: {INSTALL_HINT}")
    return path


def drive(
    url: str, body: bytes, concurrency: int, seconds: int, target: str, payload: str, cpu: Callable[[], float]
) -> Cell:
    """POST body to url from `concurrency` connections for `seconds`; cpu() reads the server's CPU time."""
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
        cpu_before = cpu()
        result = subprocess.run(
            command,
            env={**os.environ, "WRK_BODY": body_file.name},
            capture_output=True,
            text=True,
            check=True,
        )
    cpu_spent = cpu() - cpu_before
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return Cell(
        target=target,
        payload=payload,
        concurrency=concurrency,
        requests_per_s=round(summary["requests"] / (summary["duration_us"] / 1e6), 1),
        p50_ms=round(summary["p50_us"] / 1000, 3),
        p99_ms=round(summary["p99_us"] / 1000, 3),
        errors=summary["socket_errors"] + summary["bad_status"],
        cpu_us_per_request=round(cpu_spent * 1e6 / max(summary["requests"], 1), 1),
    )
