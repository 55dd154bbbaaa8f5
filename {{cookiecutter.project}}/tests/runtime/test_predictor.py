"""Model integrity: the server stays live but refuses readiness for a model that is missing, damaged,
edited, or not the model its manifest describes; clients see a short reason, the log the details."""

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import (
    MANIFEST_FILE,
    ONNX_FILE,
    read_manifest,
    write_manifest,
)
from {{ cookiecutter.package }}.model.export import convert
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings


def break_missing_model(model_dir: Path) -> None:
    (model_dir / ONNX_FILE).unlink()


def break_altered_model(model_dir: Path) -> None:
    with (model_dir / ONNX_FILE).open("ab") as stream:
        stream.write(b"\0")


def replace_model(model_dir: Path, model_bytes: bytes) -> None:
    """Swap the model file and record its sha256 the way export does, with a fresh digest."""
    (model_dir / ONNX_FILE).write_bytes(model_bytes)
    manifest = read_manifest(model_dir)
    assert manifest.onnx is not None
    onnx = manifest.onnx.model_copy(update={"sha256": hashlib.sha256(model_bytes).hexdigest()})
    write_manifest(model_dir, manifest.model_copy(update={"onnx": onnx}))


def break_corrupt_model(model_dir: Path) -> None:
    """Garbage whose sha256 the manifest vouches for, so only loading it can tell."""
    replace_model(model_dir, b"not an onnx model")


def break_missing_manifest(model_dir: Path) -> None:
    (model_dir / MANIFEST_FILE).unlink()


def swap_class_names(model_dir: Path) -> None:
    """Edit the manifest alone, as a hand fix would: the labels would silently invert."""
    path = model_dir / MANIFEST_FILE
    document = json.loads(path.read_text())
    document["classes"] = list(reversed(document["classes"] or ["a", "b"]))
    document["target"] = document["target"] + " "
    path.write_text(json.dumps(document))


def serve_a_model_of_other_features(model_dir: Path) -> None:
    """A model of the same task trained on one feature more, with its sha and digest updated."""
    from sklearn.linear_model import LinearRegression, LogisticRegression

    manifest = read_manifest(model_dir)
    width = len(manifest.features) + 1
    x = np.random.default_rng(0).normal(size=(60, width))
    classes = len(manifest.classes or [])
    estimator = LogisticRegression() if classes else LinearRegression()
    estimator.fit(x, np.arange(60) % classes if classes else x.sum(axis=1))
    # Numbers only: the estimator alone takes one tensor, whatever categories the manifest lists.
    wider = manifest.model_copy(
        update={"features": [*manifest.features, manifest.features[0]], "categorical": []}
    )
    replace_model(model_dir, convert(estimator, wider))


def declare_another_task(model_dir: Path) -> None:
    """A manifest re-stamped after its task was changed, so only the signature check can tell."""
    manifest = read_manifest(model_dir)
    changed = {"task": "regression", "classes": None} if manifest.classes else {"task": "binary"}
    write_manifest(model_dir, manifest.model_copy(update=changed))


def link_model_to_dev_zero(model_dir: Path) -> None:
    """A model that never ends: read whole, it took 3 GB in 1.8 s."""
    (model_dir / ONNX_FILE).unlink()
    (model_dir / ONNX_FILE).symlink_to("/dev/zero")


def make_manifest_a_fifo(model_dir: Path) -> None:
    """A manifest that blocks its reader forever: startup hung with no log and no port."""
    (model_dir / MANIFEST_FILE).unlink()
    os.mkfifo(model_dir / MANIFEST_FILE)


def name_a_model_outside_the_directory(model_dir: Path) -> None:
    """onnx.file as a path, re-stamped: /etc/passwd was read and its sha256 logged."""
    manifest = read_manifest(model_dir)
    assert manifest.onnx is not None
    onnx = manifest.onnx.model_copy(update={"file": "../../../../../etc/passwd"})
    write_manifest(model_dir, manifest.model_copy(update={"onnx": onnx}))


DAMAGES = [
    (link_model_to_dev_zero, "model files are unreadable", "is not a regular file"),
    (make_manifest_a_fifo, "model files are unreadable", "is not a regular file"),
    (name_a_model_outside_the_directory, "model manifest names a file outside its directory", "onnx.file"),
    (break_missing_model, "model files are unreadable", "model.onnx"),
    (break_altered_model, "model file does not match its manifest", "sha256"),
    (break_corrupt_model, "model file is not a valid ONNX model", "not a valid ONNX model"),
    (break_missing_manifest, "model files are missing: run `make model`", "manifest.json does not exist"),
    (swap_class_names, "model manifest was edited after export", "does not match its digest"),
    (serve_a_model_of_other_features, "model does not match its manifest", "features"),
    (declare_another_task, "model does not match its manifest", "outputs"),
]


@pytest.mark.parametrize(
    ("model_dir", "reason", "detail"),
    DAMAGES,
    ids=[f"damage={damage.__name__}" for damage, _, _ in DAMAGES],
    indirect=["model_dir"],
)
def test_damaged_model_is_never_ready_but_stays_live(
    client: TestClient, caplog: pytest.LogCaptureFixture, model_dir: Path, reason: str, detail: str
) -> None:
    # The app loads the model while the `client` fixture builds it, so the error is logged in setup.
    records = caplog.get_records("setup")
    errors = [record.getMessage() for record in records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert reason in errors[0]
    assert detail in errors[0]
    assert client.get("/healthz").status_code == 200
    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json()["reason"] == reason
    assert client.get("/v2/health/ready").status_code == 503
    refused = client.post("/predict", json={"x": 1.0})
    assert refused.status_code == 503
    assert refused.json()["error"] == f"model not ready: {reason}"


@pytest.mark.parametrize(
    "model_dir", [break_missing_manifest, break_corrupt_model], indirect=True, ids=["missing", "corrupt"]
)
def test_not_ready_answers_show_no_paths_or_library_text(client: TestClient, model_dir: Path) -> None:
    bodies = [client.get("/readyz").text, client.post("/predict", json={}).text]
    bodies.append(client.post("/v2/models/m/infer", json={}).text)
    for body in bodies:
        assert str(model_dir) not in body
        assert "/" not in json.loads(body).get("reason", json.loads(body).get("error", ""))
        assert "onnxruntime" not in body.lower()
        assert "INVALID_PROTOBUF" not in body


def padded(name: str) -> Callable[[Path], None]:
    """The file made larger than 1,024 bytes, the smallest limit allowed: a linear model's ONNX file
    can be smaller. Trailing bytes no parser would take: only the size check may refuse it."""

    def pad(directory: Path) -> None:
        path = directory / name
        path.write_bytes(path.read_bytes() + b" " * 1024)

    return pad


@pytest.mark.parametrize(
    ("limit", "name", "model_dir"),
    [
        ({"max_model_bytes": 1024}, ONNX_FILE, padded(ONNX_FILE)),
        ({"max_manifest_bytes": 1024}, MANIFEST_FILE, padded(MANIFEST_FILE)),
    ],
    ids=["model", "manifest"],
    indirect=["model_dir"],
)
def test_a_file_over_its_size_limit_is_refused_unread(
    settings: ServerSettings, caplog: pytest.LogCaptureFixture, limit: dict[str, int], name: str
) -> None:
    """A 2 GiB model was read whole (RSS 2.1 GiB for 7.5 s), a 409 MB manifest past 3 GB."""
    client = TestClient(create_app(settings.model_copy(update=limit)))
    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json()["reason"] == "model files are larger than the limit"
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(name in error and "allows 1024" in error for error in errors)
