"""A pinned version's files are refused unless each has its locked sha256 and they describe each other."""

import json
import shutil
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.lock import ModelLock
from {{ cookiecutter.package }}.manifest import (
    GATE_FILE,
    MANIFEST_FILE,
    ONNX_FILE,
    Tracking,
    read_manifest,
    sha256_file,
    write_manifest,
)
from {{ cookiecutter.package }}.pinned import gate_passed, verify

RUN_ID = "a" * 32


def pinned_dir(artifacts_dir: Path, directory: Path, gate: dict[str, object]) -> tuple[Path, ModelLock]:
    """The session model as a registry version of run RUN_ID would hold it, and the lock of its files."""
    model_dir = directory / "pinned"
    model_dir.mkdir()
    shutil.copy(artifacts_dir / ONNX_FILE, model_dir)
    manifest = read_manifest(artifacts_dir)
    tracked = manifest.model_copy(update={"tracking": Tracking(run_id=RUN_ID, experiment="x")})
    write_manifest(model_dir, tracked)
    (model_dir / GATE_FILE).write_text(json.dumps(gate))
    lock = ModelLock(
        name=manifest.name,
        version="1",
        sha256=sha256_file(model_dir / ONNX_FILE),
        run_id=RUN_ID,
        files={name: sha256_file(model_dir / name) for name in (MANIFEST_FILE, GATE_FILE)},
    )
    return model_dir, lock


def test_files_that_match_their_lock_and_each_other_verify(artifacts_dir: Path, tmp_path: Path) -> None:
    model_dir, lock = pinned_dir(artifacts_dir, tmp_path, {"passed": True, "checks": []})
    assert verify(model_dir, lock).tracking == Tracking(run_id=RUN_ID, experiment="x")


def test_a_file_changed_after_the_lock_is_refused(artifacts_dir: Path, tmp_path: Path) -> None:
    model_dir, lock = pinned_dir(artifacts_dir, tmp_path, {"passed": True, "checks": []})
    with (model_dir / ONNX_FILE).open("ab") as model:
        model.write(b"\0")
    refused = r"the registry's model\.onnx of .* version 1 has sha256 \w+, model\.lock pins"
    with pytest.raises(Failure, match=refused):
        verify(model_dir, lock)


def test_a_version_whose_gate_failed_is_refused(artifacts_dir: Path, tmp_path: Path) -> None:
    model_dir, lock = pinned_dir(artifacts_dir, tmp_path, {"passed": False, "checks": []})
    with pytest.raises(Failure, match="its gate did not pass"):
        verify(model_dir, lock)


def test_a_lock_of_another_run_is_refused(artifacts_dir: Path, tmp_path: Path) -> None:
    model_dir, lock = pinned_dir(artifacts_dir, tmp_path, {"passed": True, "checks": []})
    with pytest.raises(Failure, match="it names another run"):
        verify(model_dir, lock.model_copy(update={"run_id": "b" * 32}))


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        # A report of an older template: checks without kinds. Only the verdict counts.
        ('{"passed": true, "checks": [{"name": "latency p99 ms", "value": 1.0}]}', True),
        ('{"passed": false, "checks": []}', False),
        ("[]", False),
        ("not json", False),
        (None, False),
    ],
)
def test_only_a_report_that_says_passed_passes(tmp_path: Path, text: str | None, passed: bool) -> None:
    if text is not None:
        (tmp_path / GATE_FILE).write_text(text)
    assert gate_passed(tmp_path) is passed
