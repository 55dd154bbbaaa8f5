"""Start the model server and the floor as the image would run them, and measure their processes."""

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_name() -> str:
    """The project's package: the one directory under src/ with a __main__.py."""
    return next((ROOT / "src").glob("*/__main__.py")).parent.name


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    ready_s: float

    def rss_mib(self) -> list[float]:
        """Resident memory of each serving process: the workers, or the one process when alone."""
        return [round(_rss_kib(pid) / 1024, 1) for pid in self._serving_pids()]

    def cpu_seconds(self) -> float:
        """CPU time the serving processes have used: steadier than req/s on a busy machine."""
        return sum(_cpu_seconds(pid) for pid in self._serving_pids())

    def _serving_pids(self) -> list[int]:
        return _children(self.process.pid) or [self.process.pid]


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1])
    return 0.0


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"error: the server for {url} exited with {process.returncode} before it was ready"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.005)
    raise SystemExit(f"error: {url} did not answer 200 within {timeout_s}s")


@contextmanager
def start(command: list[str], probe_url: str, env: dict[str, str]) -> Iterator[Server]:
    """Run command until the block ends; ready_s is process start to the first 200 from probe_url."""
    # The image ships compiled bytecode (UV_COMPILE_BYTECODE=1); let Python write it here too.
    environment = {
        key: value for key, value in {**os.environ, **env}.items() if key != "PYTHONDONTWRITEBYTECODE"
    }
    started = time.monotonic()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(probe_url, process)
        yield Server(probe_url.rsplit("/", 1)[0], process, time.monotonic() - started)
    finally:
        process.terminate()
        process.wait(timeout=30)


def model_server(artifacts: Path, port: int, workers: int) -> tuple[list[str], str, dict[str, str]]:
    """`python -m <package> serve`, exactly the image's command, configured by APP_ variables."""
    env = {
        "APP_MODEL_DIR": str(artifacts.resolve()),
        "APP_HOST": "127.0.0.1",
        "APP_PORT": str(port),
        "APP_WORKERS": str(workers),
        "APP_LOG_LEVEL": "warning",
    }
    return [sys.executable, "-m", package_name(), "serve"], f"http://127.0.0.1:{port}/readyz", env


def floor_server(artifacts: Path, port: int, workers: int) -> tuple[list[str], str, dict[str, str]]:
    """The floor under the same server stack: uvicorn, httptools, the asyncio loop, no access log."""
    command = [
        sys.executable, "-m", "uvicorn", "benchmarks.floor:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = {"BENCH_MANIFEST": str((artifacts / "manifest.json").resolve()), "PYTHONPATH": str(ROOT)}
    return command, f"http://127.0.0.1:{port}/docs", env
