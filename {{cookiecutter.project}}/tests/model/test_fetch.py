"""`fetch`: the version model.lock pins comes back byte for byte, or not at all: a hand-edited lock, a
model file overwritten in the store, a missing version or an unset server are each refused in one line."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.errors import CliError
from {{ cookiecutter.package }}.lock import ModelLock, render_lock
from {{ cookiecutter.package }}.manifest import sha256_file
from {{ cookiecutter.package }}.model.fetch import fetch_model
from {{ cookiecutter.package }}.settings import get_settings

from ..stores import ARTIFACT_BUCKET, Stores, client_keys
from ..training import register_candidate, training_pod

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def pinned(registry: Stores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stores, ModelLock]]:
    """A candidate registered through the tracking server, and the lock that pins it."""
    with training_pod(registry):
        yield registry, register_candidate(registry, tmp_path_factory.mktemp("candidate"))


def test_the_pinned_version_is_fetched_as_the_lock_says(
    pinned: tuple[Stores, ModelLock], tmp_path: Path
) -> None:
    stores, lock = pinned
    manifest = fetch_model(lock, tmp_path / "artifacts", stores.tracking)
    assert sha256_file(tmp_path / "artifacts" / "model.onnx") == lock.sha256
    assert manifest.tracking is not None
    assert manifest.tracking.run_id == lock.run_id
    assert {"manifest.json", "MODEL_CARD.md", "gate.json"} <= {
        p.name for p in (tmp_path / "artifacts").iterdir()
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "0" * 64}, "the registry has run"),
        ({"run_id": "f" * 32}, "the registry has run"),
        ({"version": "9999"}, "which the tracking server does not have"),
        ({"name": "another-model"}, "which the tracking server does not have"),
    ],
    ids=["sha256-edited", "run-edited", "missing-version", "missing-model"],
)
def test_a_lock_the_registry_does_not_back_is_refused_and_artifacts_stay(
    pinned: tuple[Stores, ModelLock], tmp_path: Path, change: dict[str, str], message: str
) -> None:
    stores, lock = pinned
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "model.onnx").write_bytes(b"the model served now")
    with pytest.raises(CliError, match=message) as refused:
        fetch_model(lock.model_copy(update=change), tmp_path / "artifacts", stores.tracking)
    assert refused.value.exit_code == 1
    assert (tmp_path / "artifacts" / "model.onnx").read_bytes() == b"the model served now"


def test_a_model_file_overwritten_in_the_store_is_refused(
    pinned: tuple[Stores, ModelLock], tmp_path: Path
) -> None:
    """The tracking server serves whatever the store holds; only the sha256 check stands between an
    overwritten object and an image."""
    import boto3

    stores, lock = pinned
    s3 = boto3.client("s3", endpoint_url=stores.s3, **client_keys())
    listed = s3.list_objects_v2(Bucket=ARTIFACT_BUCKET, Prefix="artifacts/")["Contents"]
    [key] = [
        item["Key"] for item in listed if item["Key"].endswith(f"{lock.run_id}/artifacts/model/model.onnx")
    ]
    original = s3.get_object(Bucket=ARTIFACT_BUCKET, Key=key)["Body"].read()
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=original + b"\x00")
    try:
        with pytest.raises(CliError, match=f"has sha256 [0-9a-f]+, model.lock pins {lock.sha256}: refusing"):
            fetch_model(lock, tmp_path / "artifacts", stores.tracking)
    finally:
        s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=original)
    assert not (tmp_path / "artifacts").exists()
    assert not list(tmp_path.glob(".fetch-*"))


def test_fetch_without_a_tracking_server_says_so(
    pinned: tuple[Stores, ModelLock],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, lock = pinned
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    (tmp_path / "model.lock").write_text(render_lock(lock))
    assert main(["fetch", "--lock", str(tmp_path / "model.lock"), "--into", str(tmp_path / "a")]) == 2
    assert "set MLFLOW_TRACKING_URI to its tracking server" in capsys.readouterr().err


def test_an_unreachable_tracking_server_is_one_line(pinned: tuple[Stores, ModelLock], tmp_path: Path) -> None:
    _, lock = pinned
    unreachable = rf"^models:/{re.escape(lock.name)}/\d+: API request to http://127\.0\.0\.1:9/"
    with pytest.raises(CliError, match=unreachable) as failed:
        fetch_model(lock, tmp_path / "artifacts", "http://127.0.0.1:9")
    assert failed.value.exit_code == 1
