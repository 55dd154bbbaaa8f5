"""ONNX export: the contract serving relies on, parity with scikit-learn, and readable parity failures."""

from pathlib import Path

import joblib
import numpy as np
import onnxruntime
import pytest

from {{ cookiecutter.package }}.errors import CliError
from {{ cookiecutter.package }}.manifest import read_manifest, sha256_file
from {{ cookiecutter.package }}.model.config import DataConfig, Estimator, TrainConfig
from {{ cookiecutter.package }}.model.export import Predictions, check_parity, export_model
from {{ cookiecutter.package }}.model.train import train_model


def test_onnx_follows_the_serving_contract(artifacts_dir: Path) -> None:
    manifest = read_manifest(artifacts_dir)
    assert manifest.onnx is not None
    session = onnxruntime.InferenceSession(
        str(artifacts_dir / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    [model_input] = session.get_inputs()
    assert (model_input.name, model_input.type) == ("input", "tensor(float)")
    assert model_input.shape[1] == len(manifest.features)
    assert [output.name for output in session.get_outputs()] == manifest.onnx.outputs
    assert manifest.onnx.sha256 == sha256_file(artifacts_dir / "model.onnx")


def test_onnx_reproduces_sklearn_on_held_out_rows(artifacts_dir: Path) -> None:
    x = np.load(artifacts_dir / "holdout.npz")["x"]
    session = onnxruntime.InferenceSession(
        str(artifacts_dir / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    onnx_first = session.run(None, {"input": x})[0]
    sklearn = joblib.load(artifacts_dir / "model.joblib").predict(x)
    np.testing.assert_allclose(onnx_first.ravel(), sklearn, rtol=1e-4)


@pytest.mark.parametrize("estimator", ["linear", "random_forest", "gradient_boosting"])
@pytest.mark.parametrize("source", ["breast_cancer", "wine", "diabetes"])
def test_every_dataset_and_estimator_exports_with_parity(
    tmp_path: Path, source: str, estimator: Estimator
) -> None:
    train_model(DataConfig(source=source), TrainConfig(estimator=estimator), tmp_path, name="m")
    manifest = export_model(tmp_path, tolerance=1e-4)
    assert manifest.onnx is not None
    assert manifest.onnx.parity.max_abs_diff <= manifest.onnx.parity.tolerance
    assert manifest.onnx.parity.label_mismatches == 0


def test_failed_parity_names_the_worst_row_and_keeps_the_old_model(artifacts_copy: Path) -> None:
    before = sha256_file(artifacts_copy / "model.onnx")
    with pytest.raises(CliError, match=r"worst held-out row \d+: scikit-learn .* vs onnx "):
        export_model(artifacts_copy, tolerance=1e-12)
    assert sha256_file(artifacts_copy / "model.onnx") == before


def probabilities(rows: list[list[float]]) -> Predictions:
    values = np.array(rows)
    return Predictions(values, values.argmax(axis=1))


def test_parity_message_shows_both_predictions() -> None:
    expected = probabilities([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    actual = probabilities([[0.9, 0.1], [0.25, 0.75], [0.6, 0.4]])
    with pytest.raises(
        CliError, match=r"row 1: scikit-learn label 1 \[0\.2, 0\.8\] vs onnx label 1 \[0\.25, 0\.75\]"
    ):
        check_parity(expected, actual, tolerance=1e-3)


def test_tied_rows_may_break_either_way() -> None:
    expected = Predictions(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([0, 1]))
    actual = Predictions(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([1, 1]))
    assert check_parity(expected, actual, tolerance=1e-4).label_mismatches == 1


def test_label_mismatch_on_a_clear_row_fails() -> None:
    expected = Predictions(np.array([[0.1, 0.9]]), np.array([1]))
    actual = Predictions(np.array([[0.1, 0.9]]), np.array([0]))
    with pytest.raises(CliError, match="labels differ on a clear-margin row"):
        check_parity(expected, actual, tolerance=1e-4)


def test_regression_tolerance_scales_with_the_predictions() -> None:
    expected = Predictions(np.array([[1000.0], [10.0]]), None)
    actual = Predictions(np.array([[1000.05], [10.0]]), None)
    parity = check_parity(expected, actual, tolerance=1e-4)
    assert parity.tolerance == pytest.approx(0.1)
    assert parity.max_abs_diff == pytest.approx(0.05)
