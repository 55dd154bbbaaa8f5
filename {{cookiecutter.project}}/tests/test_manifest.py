"""The model manifest: it survives its file, and a missing one says which step to run."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import (
    MANIFEST_FILE,
    ModelManifest,
    category_text,
    manifest_digest,
    read_manifest,
    require_manifest,
    write_manifest,
)


def test_manifest_reads_back_as_written(manifest: ModelManifest, tmp_path: Path) -> None:
    assert write_manifest(tmp_path, manifest) == tmp_path / MANIFEST_FILE
    assert read_manifest(tmp_path) == manifest


def test_missing_manifest_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(Failure, match=r"no manifest\.json; run train first"):
        require_manifest(tmp_path)


def test_digest_covers_every_field_the_model_sha_included(manifest: ModelManifest, tmp_path: Path) -> None:
    write_manifest(tmp_path, manifest)
    document = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert document["digest"] == manifest_digest(document)
    swapped = {**document, "classes": list(reversed(document["classes"] or ["a", "b"]))}
    other_model = {**document, "onnx": {**document["onnx"], "sha256": "0" * 64}}
    assert manifest_digest(swapped) != document["digest"]
    assert manifest_digest(other_model) != document["digest"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2, "2"),
        (2.0, "2"),
        (np.int64(2), "2"),
        (np.float32(2.0), "2"),
        (2.5, "2.5"),
        ("2.0", "2.0"),
        ("Bad", "Bad"),
        (True, "True"),
        (None, ""),
        (math.nan, ""),
    ],
)
def test_a_category_is_the_text_training_gave_it(value: object, text: str) -> None:
    """The one rule for training and serving alike: an integer code is its digits."""
    assert category_text(value) == text
