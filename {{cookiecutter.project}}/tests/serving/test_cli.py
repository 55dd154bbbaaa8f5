"""`serve` as the image runs it: without scikit-learn, and with several workers sharing metrics."""

import json
import re
import urllib.request
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.serving.cli import prepare_metrics_dir
from {{ cookiecutter.package }}.settings import Settings

from ..servers import live_server
from .rows import typical_rows

TRAINING_ONLY = ("sklearn", "pandas", "skl2onnx", "onnx", "pyarrow")
BLOCK_TRAINING = f"import sys\nsys.modules.update(dict.fromkeys({TRAINING_ONLY!r}))"


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
def test_server_runs_with_the_training_libraries_unimportable(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, prelude=BLOCK_TRAINING) as server:
        assert post(f"{server.url}/predict", typical_rows(server.manifest)[0])


@pytest.mark.slow
def test_metrics_add_up_across_workers(artifacts_dir: Path) -> None:
    with live_server(artifacts_dir, workers=2) as server:
        row = typical_rows(server.manifest)[0]
        for _ in range(40):
            post(f"{server.url}/predict", row)
        pattern = re.compile(r'http_requests_total\{method="POST",route="/predict",status="200"\} (\S+)')
        for _ in range(5):
            match = pattern.search(get_text(f"{server.url}/metrics"))
            assert match is not None
            assert float(match.group(1)) == 40


def test_several_workers_get_a_fresh_metrics_directory(tmp_path: Path) -> None:
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"old")
    settings = Settings(workers=2, prometheus_multiproc_dir=tmp_path)
    assert prepare_metrics_dir(settings) == tmp_path
    assert not stale.exists()
    assert prepare_metrics_dir(Settings(workers=1, prometheus_multiproc_dir=None)) is None
