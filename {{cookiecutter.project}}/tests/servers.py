"""The server as a real process on a free local port, and raw sockets to hold a request in flight.

A pytest plugin of the root conftest: `server` and `two_workers`, started once per test process and
shared by every area's tests that only send them requests.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest, read_manifest

from .zygote import BLOCK_TRAINING, PACKAGE, ForkedServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    port: int
    process: subprocess.Popen[bytes] | ForkedServer
    manifest: ModelManifest
    log_path: Path
    output: str | None = None

    def log(self) -> str:
        """All the server wrote to stdout and stderr, once it has exited (reading its output to the end
        waits so)."""
        if self.output is None:
            self.process.wait(timeout=30)
            self.output = self.log_path.read_text(errors="replace")
            self.log_path.unlink(missing_ok=True)
        return self.output

    def peak_rss_mib(self) -> float:
        """The most memory the process has held since it started, or since reset_peak_rss() (Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024

    def reset_peak_rss(self) -> None:
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_ready(
    url: str, timeout_s: float = 20.0, path: str = "/readyz", running: Callable[[], bool] = lambda: True
) -> None:
    """Until `path` answers 200; a server that is no longer `running` has failed to start."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and running():
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    if not running():
        raise RuntimeError(f"the server for {url} exited before it was ready")
    raise TimeoutError(f"{url} did not become ready within {timeout_s}s")


@contextmanager
def live_server(
    model_dir: Path,
    workers: int = 1,
    up_path: str = "/readyz",
    port: int | None = None,
    fresh: bool = False,
    **env: str,
) -> Iterator[LiveServer]:
    """`python -m <package> serve` on `port` (a free one by default) of 127.0.0.1, stopped with SIGTERM
    afterwards, as the serving image runs it: without the training libraries.

    The server is a fork of the zygote (tests/zygote.py), or with `fresh` a new interpreter run from
    the command line. It counts as started once `up_path` answers 200: /healthz for one that is not
    meant to become ready.
    """
    port = port or free_port()
    environment = {
        **os.environ,
        "APP_MODEL_DIR": str(model_dir),
        "APP_HOST": "127.0.0.1",
        "APP_PORT": str(port),
        "APP_WORKERS": str(workers),
        "APP_INTRA_OP_THREADS": "1",
        **env,
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    manifest = read_manifest(model_dir)  # before the server starts: nothing would stop it if this failed
    descriptor, log = tempfile.mkstemp(prefix=f"{PACKAGE}-serve-", suffix=".log")
    os.close(descriptor)
    process = _interpreter(environment, Path(log)) if fresh else ForkedServer(environment, Path(log))
    server = LiveServer(f"http://127.0.0.1:{port}", port, process, manifest, Path(log))
    try:
        try:
            wait_until_ready(server.url, path=up_path, running=lambda: process.poll() is None)
        except (RuntimeError, TimeoutError) as error:
            _stop(process)
            raise RuntimeError(f"{error}; it wrote:\n{server.log()[-3000:]}") from None
        yield server
    finally:
        _stop(process)
        server.log()


def _interpreter(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"{BLOCK_TRAINING}\nimport runpy\nrunpy.run_module({PACKAGE!r}, run_name='__main__')",
                "serve",
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes] | ForkedServer) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_request(port: int, path: str, body: bytes, sent: int) -> socket.socket:
    """Open a POST and send only the first `sent` body bytes, leaving the request in flight."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    connection.sendall(head.encode() + body[:sent])
    return connection


def finish_request(connection: socket.socket, body: bytes, sent: int) -> tuple[int, bytes]:
    """Send the rest of the body and return the status and response body."""
    with connection:
        if sent < len(body):
            connection.sendall(body[sent:])
        return read_response(connection)


def read_response(connection: socket.socket) -> tuple[int, bytes]:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    head, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), payload


@pytest.fixture(scope="session")
def server(artifacts_dir: Path) -> Iterator[LiveServer]:
    """`python -m <package> serve` with the default settings, a new interpreter started from the command
    line as in the serving image."""
    with live_server(artifacts_dir, fresh=True) as running:
        yield running


@pytest.fixture(scope="session")
def two_workers(artifacts_dir: Path) -> Iterator[LiveServer]:
    """The same with --workers 2, and no APP_PREDICTION_ID_KEY: the workers share the key `serve` made."""
    with live_server(artifacts_dir, workers=2) as running:
        yield running
