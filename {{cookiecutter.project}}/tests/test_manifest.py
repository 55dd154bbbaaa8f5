"""The model manifest: it survives its file, and a missing one says which step to run."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import CliError
from {{ cookiecutter.package }}.manifest import (
    MANIFEST_FILE,
    ModelManifest,
    manifest_digest,
    read_manifest,
    require_manifest,
    write_manifest,
)


def test_manifest_reads_back_as_written(manifest: ModelManifest, tmp_path: Path) -> None:
    assert write_manifest(tmp_path, manifest) == tmp_path / MANIFEST_FILE
    assert read_manifest(tmp_path) == manifest


def test_missing_manifest_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(CliError, match=r"no manifest\.json; run train first"):
        require_manifest(tmp_path)


def test_digest_covers_every_field_the_model_sha_included(manifest: ModelManifest, tmp_path: Path) -> None:
    write_manifest(tmp_path, manifest)
    document = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert document["digest"] == manifest_digest(document)
    swapped = {**document, "classes": list(reversed(document["classes"] or ["a", "b"]))}
    other_model = {**document, "onnx": {**document["onnx"], "sha256": "0" * 64}}
    assert manifest_digest(swapped) != document["digest"]
    assert manifest_digest(other_model) != document["digest"]
