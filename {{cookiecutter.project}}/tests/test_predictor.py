"""Model integrity: the server stays live but refuses readiness for a missing, corrupt or altered model."""

import json
import logging
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.manifest import MANIFEST_FILE, ONNX_FILE
from serving_fixtures import make_client


def break_missing_model(model_dir: Path) -> None:
    (model_dir / ONNX_FILE).unlink()


def break_altered_model(model_dir: Path) -> None:
    with (model_dir / ONNX_FILE).open("ab") as stream:
        stream.write(b"\0")


def break_corrupt_model(model_dir: Path) -> None:
    """Garbage whose sha256 the manifest vouches for, so only loading it can tell."""
    import hashlib

    (model_dir / ONNX_FILE).write_bytes(b"not an onnx model")
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    manifest["onnx"]["sha256"] = hashlib.sha256(b"not an onnx model").hexdigest()
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))


def break_missing_manifest(model_dir: Path) -> None:
    (model_dir / MANIFEST_FILE).unlink()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (break_missing_model, "unreadable"),
        (break_altered_model, "sha256"),
        (break_corrupt_model, "not a valid ONNX model"),
        (break_missing_manifest, "missing"),
    ],
    ids=["damage=missing-model", "damage=sha-mismatch", "damage=corrupt", "damage=missing-manifest"],
)
def test_damaged_model_is_never_ready_but_stays_live(
    artifacts_copy: Path, caplog: pytest.LogCaptureFixture, damage: object, reason: str
) -> None:
    assert callable(damage)
    damage(artifacts_copy)
    with caplog.at_level(logging.ERROR):
        client = make_client(artifacts_copy)
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
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
