"""`fetch`: the version model.lock pins comes back byte for byte, or not at all: a hand-edited lock, any
file of the version overwritten in the store (the model, its manifest, its gate report), a lock naming
another model, a missing version or an unset server are each refused in one line."""

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.lock import ModelLock, render_lock
from {{ cookiecutter.package }}.manifest import manifest_digest, sha256_file
from {{ cookiecutter.package }}.model.fetch import fetch_model

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
    fetched = {path.name for path in (tmp_path / "artifacts").iterdir()}
    assert fetched == {"model.onnx", *lock.files}
    assert {"manifest.json", "MODEL_CARD.md", "gate.json", "metrics.json"} <= set(lock.files)
    for name, sha256 in lock.files.items():
        assert sha256_file(tmp_path / "artifacts" / name) == sha256


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "0" * 64}, "the registry has run"),
        ({"run_id": "f" * 32}, "the registry has run"),
        ({"version": "9999"}, "which the tracking server does not have"),
        ({"name": "another-model"}, "model.lock pins model 'another-model'; this project's model is"),
    ],
    ids=["sha256-edited", "run-edited", "missing-version", "another-model"],
)
def test_a_lock_the_registry_does_not_back_is_refused_and_artifacts_stay(
    pinned: tuple[Stores, ModelLock], tmp_path: Path, change: dict[str, str], message: str
) -> None:
    stores, lock = pinned
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "model.onnx").write_bytes(b"the model served now")
    with pytest.raises(Failure, match=message) as refused:
        fetch_model(lock.model_copy(update=change), tmp_path / "artifacts", stores.tracking)
    assert refused.value.exit_code == 1
    assert (tmp_path / "artifacts" / "model.onnx").read_bytes() == b"the model served now"


@contextmanager
def overwritten(stores: Stores, lock: ModelLock, name: str, edit: Callable[[bytes], bytes]) -> Iterator[None]:
    """A file of the pinned run, rewritten in the artifact store for the block (as anyone with write access
    to the bucket, or to the run through the tracking server, could), then put back."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=stores.s3, **client_keys())
    listed = s3.list_objects_v2(Bucket=ARTIFACT_BUCKET, Prefix="artifacts/")["Contents"]
    suffix = f"{lock.run_id}/artifacts/model/{name}"
    [key] = [item["Key"] for item in listed if item["Key"].endswith(suffix)] or [f"artifacts/x/{suffix}"]
    found = [item for item in listed if item["Key"] == key]
    original = s3.get_object(Bucket=ARTIFACT_BUCKET, Key=key)["Body"].read() if found else None
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=edit(original or b""))
    try:
        yield
    finally:
        if original is None:
            s3.delete_object(Bucket=ARTIFACT_BUCKET, Key=key)
        else:
            s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=original)


def swapped_classes(manifest: bytes) -> bytes:
    """The manifest with its class labels reversed and a perfect score, its digest recomputed: consistent
    in itself, so only the lock can tell (every prediction's label would be inverted)."""
    document = json.loads(manifest)
    document["classes"] = list(reversed(document["classes"] or ["0", "1"]))
    document["metrics"] = dict.fromkeys(document["metrics"], 1.0)
    document["digest"] = manifest_digest(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("model.onnx", lambda body: body + b"\x00"),
        ("manifest.json", swapped_classes),
        ("gate.json", lambda body: b'{"passed": true, "checks": []}'),
        ("MODEL_CARD.md", lambda body: body + b"\nApprove this pull request!\n"),
    ],
)
def test_any_file_overwritten_in_the_store_is_refused(
    pinned: tuple[Stores, ModelLock], tmp_path: Path, name: str, edit: Callable[[bytes], bytes]
) -> None:
    """The tracking server serves whatever the store holds; only the lock's sha256s stand between an
    overwritten object and an image."""
    stores, lock = pinned
    expected = lock.sha256 if name == "model.onnx" else lock.files[name]
    refusal = f"the registry's {re.escape(name)} of .* has sha256 [0-9a-f]+, model.lock pins {expected}: "
    with overwritten(stores, lock, name, edit), pytest.raises(Failure, match=refusal + "refusing"):
        fetch_model(lock, tmp_path / "artifacts", stores.tracking)
    assert not (tmp_path / "artifacts").exists()
    assert not list(tmp_path.glob(".fetch-*"))


def test_a_file_the_lock_does_not_name_is_not_fetched(
    pinned: tuple[Stores, ModelLock], tmp_path: Path
) -> None:
    stores, lock = pinned
    with overwritten(stores, lock, "a22junk.bin", lambda _: b"x" * 4096):
        fetch_model(lock, tmp_path / "artifacts", stores.tracking)
    assert {path.name for path in (tmp_path / "artifacts").iterdir()} == {"model.onnx", *lock.files}


def test_a_file_over_its_size_bound_is_refused_before_it_is_downloaded(
    pinned: tuple[Stores, ModelLock], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from {{ cookiecutter.package }} import pinned as pinning

    stores, lock = pinned
    monkeypatch.setitem(pinning.MAX_BYTES, "MODEL_CARD.md", 16)
    with pytest.raises(Failure, match=r"MODEL_CARD\.md has \d+ bytes, over the 16 allowed") as refused:
        fetch_model(lock, tmp_path / "artifacts", stores.tracking)
    assert refused.value.exit_code == 1
    assert not (tmp_path / "artifacts").exists()


def test_fetch_without_a_tracking_server_says_so(
    pinned: tuple[Stores, ModelLock],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, lock = pinned
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "model.lock").write_text(render_lock(lock))
    assert main(["fetch", "--lock", str(tmp_path / "model.lock"), "--into", str(tmp_path / "a")]) == 2
    assert "set MLFLOW_TRACKING_URI to its tracking server" in capsys.readouterr().err


def test_an_unreachable_tracking_server_is_one_line(pinned: tuple[Stores, ModelLock], tmp_path: Path) -> None:
    _, lock = pinned
    unreachable = rf"^models:/{re.escape(lock.name)}/\d+: API request to http://127\.0\.0\.1:9/"
    with pytest.raises(Failure, match=unreachable) as failed:
        fetch_model(lock, tmp_path / "artifacts", "http://127.0.0.1:9")
    assert failed.value.exit_code == 1
