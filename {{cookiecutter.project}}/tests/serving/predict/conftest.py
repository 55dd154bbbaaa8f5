"""The reference for /predict: what the exported model itself answers to the same named rows."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest

from ...rows import Row, as_feed, onnx_outputs

Rows = list[Row]


@pytest.fixture
def reference(artifacts_dir: Path, manifest: ModelManifest) -> Callable[[Rows], dict[str, np.ndarray]]:
    """A function of rows of named features giving the ONNX model's outputs for them."""
    return lambda rows: onnx_outputs(artifacts_dir, as_feed(manifest, rows))
