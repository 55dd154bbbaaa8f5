"""The data plane: a loaded model has its codec and monitor and takes traffic until it drains; a model
that failed to load says why, to readiness and to every request."""

from pathlib import Path

import numpy as np
import pytest
from prometheus_client import generate_latest

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.runtime.dataplane import DataPlane, ModelNotReady
from {{ cookiecutter.package }}.runtime.settings import RuntimeSettings

from ..rows import as_feed, onnx_outputs, typical_rows


def test_a_loaded_model_is_ready_until_it_drains(artifacts_dir: Path, manifest: ModelManifest) -> None:
    plane = DataPlane.load(RuntimeSettings(model_dir=artifacts_dir))
    assert plane.unready_reason is None
    assert plane.manifest == manifest
    assert plane.columns is not None
    assert plane.columns.names == [*manifest.feature_names, *(f.name for f in manifest.categorical)]
    plane.draining = True
    assert plane.unready_reason == "draining"


def test_a_model_that_did_not_load_says_why(tmp_path: Path) -> None:
    plane = DataPlane.load(RuntimeSettings(model_dir=tmp_path))
    assert plane.unready_reason == "model files are missing: run `make model`"
    assert (plane.columns, plane.monitor) == (None, None)
    with pytest.raises(ModelNotReady, match=r"^model not ready: model files are missing: run `make model`$"):
        _ = plane.manifest


def test_infer_runs_the_model_and_records_the_prediction(
    artifacts_dir: Path, manifest: ModelManifest
) -> None:
    plane = DataPlane.load(RuntimeSettings(model_dir=artifacts_dir))
    feed = as_feed(manifest, typical_rows(manifest, 3))
    outputs = plane.infer(feed)
    expected = onnx_outputs(artifacts_dir, feed)
    assert outputs.keys() == expected.keys()
    for name, values in expected.items():
        np.testing.assert_array_equal(outputs[name], values)
    text = generate_latest(plane.metrics.registry).decode()
    assert f'git_revision="unknown",name="{manifest.name}"' in text
    counted = "model_predictions_total" if manifest.classes else "model_prediction_value_count"
    assert sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(counted)) == 3
