"""Model integrity: the server stays live but refuses readiness for a missing, corrupt or altered model."""

import hashlib
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import MANIFEST_FILE, ONNX_FILE


def break_missing_model(model_dir: Path) -> None:
    (model_dir / ONNX_FILE).unlink()


def break_altered_model(model_dir: Path) -> None:
    with (model_dir / ONNX_FILE).open("ab") as stream:
        stream.write(b"\0")


def break_corrupt_model(model_dir: Path) -> None:
    """Garbage whose sha256 the manifest vouches for, so only loading it can tell."""
    (model_dir / ONNX_FILE).write_bytes(b"not an onnx model")
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    manifest["onnx"]["sha256"] = hashlib.sha256(b"not an onnx model").hexdigest()
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))


def break_missing_manifest(model_dir: Path) -> None:
    (model_dir / MANIFEST_FILE).unlink()


@pytest.mark.parametrize(
    ("model_dir", "reason"),
    [
        (break_missing_model, "unreadable"),
        (break_altered_model, "sha256"),
        (break_corrupt_model, "not a valid ONNX model"),
        (break_missing_manifest, "missing"),
    ],
    ids=["damage=missing-model", "damage=sha-mismatch", "damage=corrupt", "damage=missing-manifest"],
    indirect=["model_dir"],
)
def test_damaged_model_is_never_ready_but_stays_live(
    client: TestClient, caplog: pytest.LogCaptureFixture, reason: str
) -> None:
    # The app loads the model while the `client` fixture builds it, so the error is logged in setup.
    records = caplog.get_records("setup")
    errors = [record.getMessage() for record in records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert reason in errors[0]
    assert client.get("/healthz").status_code == 200
    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert reason in readiness.json()["reason"]
    assert client.get("/v2/health/ready").status_code == 503
    refused = client.post("/predict", json={"x": 1.0})
    assert refused.status_code == 503
    assert "model not ready" in refused.json()["error"]
