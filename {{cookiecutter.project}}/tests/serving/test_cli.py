"""`serve` as the image runs it: without scikit-learn, with several workers sharing metrics and
answering at once, and with --host, --port and --workers winning over the APP_* variables."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.serving.cli import prepare_metrics_dir
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ..rows import typical_rows
from ..servers import LiveServer, free_port, wait_until_ready
from ..zygote import BLOCK_TRAINING, PACKAGE


def post(url: str, body: object) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


@pytest.mark.slow
def test_server_runs_with_the_training_libraries_unimportable(server: LiveServer) -> None:
    """The shared server (tests/servers.py) is started without them, as the image runs it."""
    command = server.process.args
    assert isinstance(command, list)
    assert BLOCK_TRAINING in command[2]
    assert post(f"{server.url}/predict", typical_rows(server.manifest)[0])


def served_predictions(server: LiveServer) -> float:
    """/predict's 200s in the metrics, summed over the workers."""
    pattern = re.compile(r'http_requests_total\{method="POST",route="/predict",status="200"\} (\S+)')
    match = pattern.search(get_text(f"{server.url}/metrics"))
    return float(match.group(1)) if match else 0.0


@pytest.mark.slow
def test_metrics_add_up_across_workers(two_workers: LiveServer) -> None:
    before = served_predictions(two_workers)
    row = typical_rows(two_workers.manifest)[0]
    for _ in range(40):
        post(f"{two_workers.url}/predict", row)
    # The guard counts a request once its answer is sent: the other worker may serve /metrics a moment
    # before the last count lands in the shared files.
    deadline = time.monotonic() + 5
    while served_predictions(two_workers) < before + 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(5):
        assert served_predictions(two_workers) == before + 40


@pytest.mark.slow
def test_two_workers_answer_a_kept_alive_client_without_a_delayed_ack_stall(two_workers: LiveServer) -> None:
    """With --workers the socket was bound without TCP_NODELAY (uvicorn issue 3149): every answer,
    written as head then body, waited for the client's delayed ACK, 43 ms a request. The median of
    many requests, against 5 ms, leaves a wide margin either way on a busy machine."""
    body = json.dumps(typical_rows(two_workers.manifest)[0])
    connection = http.client.HTTPConnection("127.0.0.1", two_workers.port, timeout=10)
    latencies = []
    for _ in range(200):
        started = time.perf_counter()
        connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
        assert connection.getresponse().read()
        latencies.append(time.perf_counter() - started)
    connection.close()
    median = sorted(latencies)[len(latencies) // 2]
    print(f"two workers, one kept-alive client: p50 {median * 1000:.2f} ms")
    assert median < 0.005


def test_several_workers_get_a_fresh_metrics_directory(tmp_path: Path) -> None:
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"old")
    settings = ServerSettings(workers=2, prometheus_multiproc_dir=tmp_path)
    assert prepare_metrics_dir(settings) == tmp_path
    assert not stale.exists()
    assert prepare_metrics_dir(ServerSettings(workers=1, prometheus_multiproc_dir=None)) is None


@pytest.mark.slow
def test_serve_options_win_over_the_environment(artifacts_dir: Path) -> None:
    port = free_port()
    environment = {**os.environ, "APP_MODEL_DIR": str(artifacts_dir), "APP_PORT": "1", "APP_WORKERS": "3"}
    command = [
        sys.executable,
        "-m",
        PACKAGE,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}")
        assert len(Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()) == 0
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_a_port_already_taken_is_one_line_on_stderr(artifacts_dir: Path) -> None:
    """uvicorn logs why it cannot listen, as JSON on stdout, and exits 3; a person at the terminal reads
    stderr, where the reason is now too."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {**os.environ, "APP_MODEL_DIR": str(artifacts_dir), "APP_WORKERS": "1"}
        command = [sys.executable, "-m", PACKAGE, "serve", "--host", "127.0.0.1", "--port", str(port)]
        result = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 3
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: serve: could not start on 127.0.0.1:{port}: ")
    assert "address already in use" in line


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--port", "70000"], "argument --port: '70000': expected a whole number from 1 to 65535"),
        (["--workers", "0"], "argument --workers: '0': expected a whole number at least 1"),
    ],
    ids=["port=70000", "workers=0"],
)
def test_a_bad_serve_option_is_one_line_and_exit_2(
    option: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exiting:
        main(["serve", *option])
    assert exiting.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    assert words in line
