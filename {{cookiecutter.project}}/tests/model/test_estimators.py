"""Estimators: [train.params] checked before training, the pipeline around them, exact float32 splits."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.model.config import (
    DataConfig,
    Estimator,
    ModelConfig,
    TrainConfig,
)
from {{ cookiecutter.package }}.model.estimators import (
    SPECS,
    fitted_params,
    make_estimator,
    pipeline_for,
    round_thresholds_down,
    spec_for,
)
from {{ cookiecutter.package }}.model.export import export_model
from {{ cookiecutter.package }}.model.train import train_model

FOREST = spec_for("random_forest", "binary")


def test_params_override_the_template_defaults_and_the_seed_sets_random_state() -> None:
    default = make_estimator(FOREST, {}, seed=7)
    tuned = make_estimator(FOREST, {"n_estimators": 12, "min_samples_leaf": 3}, seed=7)
    assert (default.n_estimators, default.max_depth, default.random_state) == (100, 10, 7)
    assert (tuned.n_estimators, tuned.min_samples_leaf, tuned.max_depth) == (12, 3, 10)


def test_the_string_none_means_python_none() -> None:
    assert make_estimator(FOREST, {"max_depth": "None"}, seed=0).max_depth is None


def test_unknown_parameter_is_named_with_a_suggestion() -> None:
    with pytest.raises(
        Failure,
        match=r"train\.params\.max_depht: not a parameter of RandomForestClassifier "
        r"\(did you mean max_depth\?\)",
    ):
        make_estimator(FOREST, {"max_depht": 3}, seed=0)


def test_random_state_is_left_to_the_seed() -> None:
    with pytest.raises(Failure, match=r"train\.params\.random_state: set \[train\] seed instead"):
        make_estimator(FOREST, {"random_state": 1}, seed=0)


@pytest.mark.parametrize(
    ("estimator", "params", "reason"),
    [
        (
            "random_forest",
            {"max_depth": -1},
            "'max_depth' parameter of RandomForestClassifier must be an int",
        ),
        (
            "gradient_boosting",
            {"learning_rate": 0},
            "'learning_rate' parameter of HistGradientBoostingClassifier",
        ),
        ("linear", {"C": "strong"}, "'C' parameter of LogisticRegression must be a float"),
    ],
    ids=["range", "bound", "type"],
)
def test_bad_value_fails_with_scikit_learns_reason(
    estimator: Estimator, params: dict[str, object], reason: str
) -> None:
    with pytest.raises(Failure, match=rf"train\.params: The {reason}"):
        make_estimator(spec_for(estimator, "binary"), params, seed=0)


def test_bad_params_stop_training_before_it_starts(tmp_path: Path) -> None:
    train = TrainConfig(estimator="random_forest", params={"n_estimators": 0})
    with pytest.raises(Failure, match="n_estimators"):
        train_model(DataConfig(source="wine"), train, tmp_path / "out", name="m")
    assert not (tmp_path / "out").exists()


def test_project_params_are_accepted_by_its_estimator(
    model_config: ModelConfig, manifest: ModelManifest
) -> None:
    """Every key of [train.params] is a parameter of the estimator model.toml names, with a valid value."""
    spec = spec_for(model_config.train.estimator, manifest.task)
    params = make_estimator(spec, model_config.train.params, seed=0).get_params()
    assert set(model_config.train.params) <= set(params)


def test_manifest_params_are_json_scalars() -> None:
    params = fitted_params(make_estimator(spec_for("gradient_boosting", "regression"), {}, seed=0))
    assert params["max_iter"] == 100
    assert params["random_state"] == 0
    assert all(isinstance(value, str | int | float | bool | type(None)) for value in params.values())


def test_every_estimator_has_a_class_for_both_kinds_of_task() -> None:
    assert {(estimator, regression) for estimator, regression in SPECS} == {
        (estimator, regression)
        for estimator in ("linear", "random_forest", "gradient_boosting")
        for regression in (False, True)
    }


def adjacent_float32_table() -> pd.DataFrame:
    """Pairs of neighbouring float32 values with opposite labels: a float64 midpoint between them rounds
    onto one of the pair in float32, which then goes the wrong way in ONNX unless thresholds are floored."""
    low = np.arange(1, 60, dtype=np.float32) * np.float32(0.37)
    high = np.nextafter(low, np.float32(np.inf))
    x = np.repeat(np.concatenate([low, high]), 10)
    y = np.repeat(np.concatenate([np.zeros(len(low)), np.ones(len(high))]), 10).astype(int)
    return pd.DataFrame({"x": x, "y": y})


@pytest.mark.parametrize("estimator", ["random_forest", "gradient_boosting"])
def test_float32_threshold_rounding_keeps_sklearns_predictions(estimator: Estimator) -> None:
    frame = adjacent_float32_table()
    pipeline = pipeline_for(estimator, "binary", 1, 0, {"min_samples_leaf": 1}, seed=0)
    pipeline.fit(frame[["x"]], frame["y"])
    before = pipeline.predict_proba(frame[["x"]])
    round_thresholds_down(pipeline[-1])
    assert np.array_equal(pipeline.predict_proba(frame[["x"]]), before)


@pytest.mark.parametrize("estimator", ["random_forest", "gradient_boosting"])
def test_trees_split_adjacent_float32_values_alike_in_onnx(tmp_path: Path, estimator: Estimator) -> None:
    adjacent_float32_table().to_csv(tmp_path / "adjacent.csv", index=False)
    data = DataConfig(source=str(tmp_path / "adjacent.csv"), target="y")
    train = TrainConfig(estimator=estimator, test_size=0.5, params={"min_samples_leaf": 1})
    train_model(data, train, tmp_path / "out", name="m")
    onnx = export_model(tmp_path / "out", tolerance=1e-6).onnx
    assert onnx is not None
    assert onnx.parity.label_mismatches == 0
