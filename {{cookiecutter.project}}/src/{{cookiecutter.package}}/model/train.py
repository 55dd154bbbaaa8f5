"""Build the pipeline, fit it, score it on the held-out rows and save what export and the gate need."""

import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
from sklearn.pipeline import Pipeline

from ..errors import Failure
from ..manifest import (
    DATA_FILE,
    DEFAULT_THRESHOLD,
    METRICS_FILE,
    PIPELINE_FILE,
    Evaluation,
    Experiment,
    ModelManifest,
    Shadow,
    SplitCounts,
    Task,
    project_name,
    write_manifest,
)
from .config import DataConfig, GateConfig, TrainConfig
from .data import Split, fingerprint, load_dataset, split_dataset
from .dataset import Dataset
from .estimators import fitted_params, pipeline_for, round_thresholds_down
from .feature_types import summarize_categorical, summarize_numeric
from .holdout import Holdout, write_holdout
from .metrics import baseline, decide, score

LIBRARIES = ("scikit-learn", "numpy", "skl2onnx", "onnx", "onnxruntime")


def library_versions() -> dict[str, str]:
    versions = {name: metadata.version(name) for name in LIBRARIES}
    return {**versions, "python": platform.python_version()}


def train_model(
    data: DataConfig,
    train: TrainConfig,
    out: Path,
    name: str | None = None,
    gate: GateConfig | None = None,
    dataset: Dataset | None = None,
    shadow: Shadow | None = None,
    experiment: Experiment | None = None,
) -> ModelManifest:
    """Train on `data` (or the dataset already read from it), write model.joblib, holdout.npz,
    metrics.json and manifest.json into `out`."""
    if dataset is None:
        dataset = load_dataset(data.source, data.target, data.task, data.categorical, data.exclude)
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    threshold = decision_threshold(dataset, train)
    if gate is not None:
        gate.check_task(dataset.task)
    experiment = experiment_for(experiment or Experiment(), dataset.task)
    features = dataset.features
    pipeline = pipeline_for(
        train.estimator,
        dataset.task,
        len(features.numeric),
        len(features.categorical),
        train.params,
        train.seed,
    )
    split = split_dataset(dataset, train.test_size, train.seed)
    pipeline.fit(split.x_train, split.y_train.to_numpy())
    round_thresholds_down(pipeline[-1])
    output = predict(pipeline, split)
    y_train, y_test = split.y_train.to_numpy(), split.y_test.to_numpy()
    metrics = score(dataset.task, y_test, output, threshold)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, out / PIPELINE_FILE)
    write_holdout(out, holdout_of(dataset, split))
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    write_listing(out, dataset)
    manifest = build_manifest(dataset, split, train.estimator, pipeline[-1], metrics, name or project_name())
    classes = len(dataset.classes or [])
    labels = decide(output, threshold) if classes else None
    manifest = manifest.model_copy(
        update={
            "baseline": baseline(dataset.task, y_train, y_test, classes),
            "decision_threshold": threshold,
            "evaluation": evaluation_of(y_train, y_test, labels, classes),
            "shadow": shadow or Shadow(),
            "experiment": experiment,
        }
    )
    write_manifest(out, manifest)
    return manifest


def experiment_for(experiment: Experiment, task: Task) -> Experiment:
    try:
        return experiment.for_task(task)
    except ValueError as error:
        raise Failure(f"model.toml [experiment] {error}; edit it") from None


def write_listing(out: Path, dataset: Dataset) -> None:
    """data.json: the files read, their versions or ETags and the rows, when the data came from files."""
    path = out / DATA_FILE
    path.unlink(missing_ok=True)
    if dataset.listing is not None:
        path.write_text(json.dumps(dataset.listing, indent=2) + "\n")


def decision_threshold(dataset: Dataset, train: TrainConfig) -> float | None:
    """model.toml's threshold, or the default, for a binary classifier; None for other tasks."""
    if dataset.task == "binary":
        return train.decision_threshold or DEFAULT_THRESHOLD
    if train.decision_threshold is not None:
        raise Failure(
            f"model.toml [train] decision_threshold: only binary classifiers have one; {dataset.source} "
            f"makes a {dataset.task} model. Remove it"
        )
    return None


def predict(pipeline: Pipeline, split: Split) -> npt.NDArray[np.floating[Any]]:
    """Probabilities of the held-out rows for a classifier, values for a regressor, in the model's own
    float type (float32 probabilities sum to one only in float32)."""
    if hasattr(pipeline, "predict_proba"):
        return np.asarray(pipeline.predict_proba(split.x_test))
    return np.asarray(pipeline.predict(split.x_test))


def evaluation_of(
    y_train: npt.NDArray[Any], y_test: npt.NDArray[Any], labels: npt.NDArray[np.int64] | None, classes: int
) -> Evaluation:
    """The split's rows (per class for a classifier) and the held-out confusion matrix."""
    if labels is None:
        return Evaluation(train=SplitCounts(rows=len(y_train)), test=SplitCounts(rows=len(y_test)))
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (y_test, labels), 1)
    return Evaluation(
        train=SplitCounts(rows=len(y_train), classes=np.bincount(y_train, minlength=classes).tolist()),
        test=SplitCounts(rows=len(y_test), classes=np.bincount(y_test, minlength=classes).tolist()),
        confusion=confusion.tolist(),
    )


def holdout_of(dataset: Dataset, split: Split) -> Holdout:
    numbers = split.x_test[dataset.features.numeric].to_numpy(np.float32)
    strings = split.x_test[dataset.features.categorical].to_numpy(dtype=str)
    return Holdout(numbers, strings, split.y_test.to_numpy())


def build_manifest(
    dataset: Dataset, split: Split, estimator: str, model: Any, metrics: dict[str, float], name: str
) -> ModelManifest:
    """The manifest of a model just fitted, its version made from the time and the data's fingerprint."""
    created_at = datetime.now(UTC)
    data_fingerprint = fingerprint(dataset)
    features = dataset.features
    return ModelManifest(
        name=name,
        version=f"{created_at:%Y%m%d%H%M%S}-{data_fingerprint[:8]}",
        task=dataset.task,
        estimator=estimator,
        target=dataset.target_name,
        features=summarize_numeric(split.x_train, features.kinds),
        categorical=summarize_categorical(split.x_train, features.category_types),
        classes=dataset.classes,
        metrics=metrics,
        data_source=dataset.source,
        data_fingerprint=data_fingerprint,
        library_versions=library_versions(),
        created_at=created_at,
        estimator_class=type(model).__name__,
        params=fitted_params(model),
    )
