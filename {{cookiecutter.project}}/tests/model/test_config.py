"""model.toml loading: valid files load, bad values fail with the key named."""

import re
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.model.config import BUNDLED_DATASETS, ModelConfig, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.toml"
    path.write_text(text)
    return path


def test_project_config_names_data_that_is_there(model_config: ModelConfig) -> None:
    """A bundled dataset, or a file in the repository with its target named: CI trains on it."""
    data = model_config.data
    if data.source not in BUNDLED_DATASETS:
        assert Path(data.source).is_file(), f"{data.source}: commit the data file model.toml names"
        assert data.target, "[data] target: name the column to predict"


def test_project_gate_names_metrics_of_its_task(model_config: ModelConfig, manifest: ModelManifest) -> None:
    model_config.gate.check_task(manifest.task)
    assert model_config.gate.skills(manifest.task)


def test_missing_sections_take_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[train]\nseed = 7\n"))
    assert config.train.seed == 7
    assert config.data.source == "breast_cancer"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[train]\ntest_size = 1.5\n", "train.test_size"),
        ("[train]\nestimator = 'svm'\n", "train.estimator"),
        ("[train]\nseed = -1\n", "train.seed"),
        ("[gate]\nparity_tolerance = 0\n", "gate.parity_tolerance"),
        ("[gate]\nminimum = { accuracy = 'high' }\n", "gate.minimum.accuracy"),
        ("[gate]\nlatency_ms = 3\n", "gate.latency_ms"),
        ("[data]\ntask = 'ranking'\n", "data.task"),
        ("[data]\ncategorical = 'island'\n", "data.categorical"),
        ("[data]\nexclude = [1]\n", "data.exclude.0"),
        ("[gate]\nbeat_baseline = { roc_auc = 1.5 }\n", "gate.beat_baseline"),
        ("[train]\ndecision_threshold = 1.0\n", "train.decision_threshold"),
        ("[train]\ndecision_threshold = 0\n", "train.decision_threshold"),
        ("[shadow]\nmin_agreement = 1.5\n", "shadow.min_agreement"),
        ("[shadow]\nmin_agreement = true\n", "shadow.min_agreement"),
        ("[shadow]\ntolerance = -0.1\n", "shadow.tolerance"),
        ("[shadow]\nagreement = 0.9\n", "shadow.agreement"),
        ("[experiment]\nmetric = 'auc'\n", "experiment.metric"),
        ("[experiment]\nminimum_detectable_effect = 0\n", "experiment.minimum_detectable_effect"),
        ("[experiment]\nalpha = 1.5\n", "experiment.alpha"),
        ("[experiment]\nminimum_samples_per_arm = 10\n", "experiment.minimum_samples_per_arm"),
        ("[experiment]\nmax_duration = '7 days'\n", "experiment.max_duration"),
        ("[experiment]\nmax_duration = '0s'\n", "experiment.max_duration"),
        ("[experiment]\non_horizon = 'pause'\n", "experiment.on_horizon"),
        ("[experiment]\nsplit = 100\n", "experiment.split"),
        ("[experiment]\nsrm_alpha = true\n", "experiment.srm_alpha"),
        ("[experiment]\nmax_samples_per_arm = 100\n", "experiment"),
    ],
)
def test_bad_value_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(Failure, match=rf"model\.toml: {key}:"):
        load_config(write(tmp_path, text))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.99999999", "0.99999999 is 1.0 in float32, the model's precision; use a number from"),
        ("1e-50", "1e-50 is 0.0 in float32"),
        ("true", "Input should be a valid number"),
        ("nan", "Input should be a finite number"),
    ],
)
def test_a_threshold_the_model_cannot_hold_is_refused_clearly(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(Failure, match=rf"train.decision_threshold: .*{re.escape(message)}"):
        load_config(write(tmp_path, f"[train]\ndecision_threshold = {value}\n"))


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="not valid TOML"):
        load_config(write(tmp_path, "[train\n"))


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="config file not found"):
        load_config(tmp_path / "absent.toml")


def test_relative_data_file_is_found_next_to_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[data]\nsource = 'data/train.csv'\ntarget = 'y'\n"))
    assert Path(config.data.source) == tmp_path / "data" / "train.csv"


def test_train_params_and_column_lists_load_as_written(tmp_path: Path) -> None:
    text = (
        "[data]\ncategorical = ['island']\nexclude = ['id']\n[train.params]\nmax_iter = 50\nloss = 'hinge'\n"
    )
    config = load_config(write(tmp_path, text))
    assert (config.data.categorical, config.data.exclude) == (["island"], ["id"])
    assert config.train.params == {"max_iter": 50, "loss": "hinge"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[gate]\nminimum = { recal = 0.5 }\n",
            "gate.minimum: 'recal' is not a metric of any model; did you mean recall?",
        ),
        (
            "[gate]\nbeat_baseline = { AUC = 0.1 }\n",
            "gate.beat_baseline: 'AUC' is not a metric of any model; ",
        ),
        ("[gate]\nmaximum = { logloss = 0.3 }\n", "did you mean log_loss?"),
    ],
)
def test_a_misspelt_gate_metric_is_named_with_a_suggestion(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(Failure, match=re.escape(message)):
        load_config(write(tmp_path, text))


def test_an_experiment_metric_the_task_lacks_stops_training(tmp_path: Path) -> None:
    from {{ cookiecutter.package }}.model.train import experiment_for

    config = load_config(write(tmp_path, "[experiment]\nmetric = 'mae'\n"))
    refusal = r"\[experiment\] metric 'mae' does not fit a binary model; use accuracy or business"
    with pytest.raises(Failure, match=refusal):
        experiment_for(config.experiment, "binary")
    assert experiment_for(load_config(write(tmp_path, "")).experiment, "regression").metric == "mae"
