"""ONNX export: the contract serving relies on, parity with scikit-learn, and readable parity failures."""

from pathlib import Path

import joblib
import numpy as np
import onnxruntime
import pandas as pd
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import read_manifest, sha256_file
from {{ cookiecutter.package }}.model.config import DataConfig, Estimator, TrainConfig
from {{ cookiecutter.package }}.model.estimators import pipeline_input
from {{ cookiecutter.package }}.model.export import Predictions, check_parity, export_model
from {{ cookiecutter.package }}.model.holdout import read_holdout
from {{ cookiecutter.package }}.model.metrics import decide
from {{ cookiecutter.package }}.model.train import train_model


def session_of(artifacts: Path) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(artifacts / "model.onnx"), providers=["CPUExecutionProvider"])


def test_onnx_follows_the_serving_contract(artifacts_dir: Path) -> None:
    manifest = read_manifest(artifacts_dir)
    assert manifest.onnx is not None
    session = session_of(artifacts_dir)
    inputs = [(tensor.name, tensor.type, tensor.shape[1]) for tensor in session.get_inputs()]
    expected = [("input", "tensor(float)", len(manifest.features))] if manifest.features else []
    if manifest.categorical:
        expected.append(("categorical", "tensor(string)", len(manifest.categorical)))
    assert inputs == expected
    assert manifest.onnx.inputs == [name for name, _, _ in expected]
    assert [output.name for output in session.get_outputs()] == manifest.onnx.outputs
    assert manifest.onnx.sha256 == sha256_file(artifacts_dir / "model.onnx")


def test_categorical_model_takes_numbers_and_strings_in_two_tensors(penguins_artifacts: Path) -> None:
    manifest = read_manifest(penguins_artifacts)
    assert manifest.onnx is not None
    inputs = {item.name: (item.type, item.shape[1]) for item in session_of(penguins_artifacts).get_inputs()}
    assert inputs == {"input": ("tensor(float)", 5), "categorical": ("tensor(string)", 2)}
    assert manifest.onnx.inputs == ["input", "categorical"]


@pytest.mark.parametrize("fixture", ["artifacts_dir", "penguins_artifacts"])
def test_onnx_reproduces_sklearn_on_held_out_rows(fixture: str, request: pytest.FixtureRequest) -> None:
    artifacts: Path = request.getfixturevalue(fixture)
    holdout = read_holdout(artifacts)
    names = read_manifest(artifacts).feature_names + [f.name for f in read_manifest(artifacts).categorical]
    onnx_first = session_of(artifacts).run(None, holdout.feeds())[0]
    frame = pipeline_input(holdout.numbers, holdout.strings, names)
    pipeline = joblib.load(artifacts / "model.joblib")
    threshold = read_manifest(artifacts).decision_threshold
    if hasattr(pipeline, "predict_proba"):
        # The label, at the model's decision threshold for a binary classifier.
        sklearn = decide(pipeline.predict_proba(frame), threshold)
    else:
        sklearn = pipeline.predict(frame)
    np.testing.assert_allclose(onnx_first.ravel(), sklearn, rtol=1e-4)


@pytest.mark.parametrize("estimator", ["linear", "random_forest", "gradient_boosting"])
def test_categories_and_missing_values_export_with_parity(
    tmp_path: Path, penguins_csv: Path, estimator: Estimator
) -> None:
    data = DataConfig(source=str(penguins_csv), target="species")
    train_model(data, TrainConfig(estimator=estimator), tmp_path, name="m")
    onnx = export_model(tmp_path, tolerance=1e-5).onnx
    assert onnx is not None
    assert onnx.parity.label_mismatches == 0
    # Parity over rows built to need every path: missing numbers, missing and unseen categories.
    holdout = read_holdout(tmp_path)
    numbers, strings = holdout.numbers[:4].copy(), holdout.strings[:4].astype(object)
    numbers[0, :] = np.nan
    strings[1, :] = ""
    strings[2, 0] = "Atlantis"
    names = [*read_manifest(tmp_path).feature_names, "island", "sex"]
    onnx_values = session_of(tmp_path).run(None, {"input": numbers, "categorical": strings})[1]
    sklearn = joblib.load(tmp_path / "model.joblib").predict_proba(pipeline_input(numbers, strings, names))
    np.testing.assert_allclose(onnx_values, sklearn, atol=1e-5)


def test_a_table_of_categories_only_exports_one_string_tensor(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "green", "blue"], 200)
    frame = pd.DataFrame({"colour": colour, "shape": rng.choice(["o", "x"], 200), "y": colour == "red"})
    frame.to_csv(tmp_path / "data.csv", index=False)
    train_model(DataConfig(source=str(tmp_path / "data.csv"), target="y"), TrainConfig(), tmp_path / "out")
    onnx = export_model(tmp_path / "out", tolerance=1e-5).onnx
    assert onnx is not None
    assert onnx.inputs == ["categorical"]


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
    with pytest.raises(Failure, match=r"worst held-out row \d+: scikit-learn .* vs onnx "):
        export_model(artifacts_copy, tolerance=1e-12)
    assert sha256_file(artifacts_copy / "model.onnx") == before


def probabilities(rows: list[list[float]]) -> Predictions:
    values = np.array(rows)
    return Predictions(values, values.argmax(axis=1))


def test_parity_message_shows_both_predictions() -> None:
    expected = probabilities([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    actual = probabilities([[0.9, 0.1], [0.25, 0.75], [0.6, 0.4]])
    with pytest.raises(
        Failure, match=r"row 1: scikit-learn label 1 \[0\.2, 0\.8\] vs onnx label 1 \[0\.25, 0\.75\]"
    ):
        check_parity(expected, actual, tolerance=1e-3)


def test_tied_rows_may_break_either_way() -> None:
    expected = Predictions(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([0, 1]))
    actual = Predictions(np.array([[0.5, 0.5], [0.1, 0.9]]), np.array([1, 1]))
    assert check_parity(expected, actual, tolerance=1e-4).label_mismatches == 1


def test_label_mismatch_on_a_clear_row_fails() -> None:
    expected = Predictions(np.array([[0.1, 0.9]]), np.array([1]))
    actual = Predictions(np.array([[0.1, 0.9]]), np.array([0]))
    with pytest.raises(Failure, match="labels differ on a clear-margin row"):
        check_parity(expected, actual, tolerance=1e-4)


def test_regression_tolerance_scales_with_the_predictions() -> None:
    expected = Predictions(np.array([[1000.0], [10.0]]), None)
    actual = Predictions(np.array([[1000.05], [10.0]]), None)
    parity = check_parity(expected, actual, tolerance=1e-4)
    assert parity.tolerance == pytest.approx(0.1)
    assert parity.max_abs_diff == pytest.approx(0.05)


def test_the_onnx_label_applies_the_decision_threshold(tmp_path: Path) -> None:
    train = TrainConfig(decision_threshold=0.9)
    manifest = train_model(DataConfig(source="breast_cancer"), train, tmp_path, name="m")
    assert manifest.decision_threshold == 0.9
    exported = export_model(tmp_path, tolerance=1e-4)
    assert exported.onnx is not None
    assert exported.onnx.parity.label_mismatches == 0
    labels, probabilities = session_of(tmp_path).run(None, read_holdout(tmp_path).feeds())
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, (probabilities[:, 1] >= 0.9).astype(np.int64))
    assert (labels != probabilities.argmax(axis=1)).any(), "0.9 should relabel some held-out rows"


def test_a_probability_at_the_threshold_is_a_tie_either_runtime_may_break() -> None:
    expected = Predictions(np.array([[0.7, 0.3], [0.1, 0.9]]), np.array([1, 1]))
    actual = Predictions(np.array([[0.7, 0.3], [0.1, 0.9]]), np.array([0, 1]))
    assert check_parity(expected, actual, tolerance=1e-4, threshold=0.3).label_mismatches == 1
    with pytest.raises(Failure, match="labels differ on a clear-margin row"):
        check_parity(expected, actual, tolerance=1e-4, threshold=0.5)
