"""Build the pipeline, fit it, score it on the held-out rows and save what export and the gate need."""

import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.pipeline import Pipeline

from ..manifest import METRICS_FILE, PIPELINE_FILE, ModelManifest, Task, write_manifest
from .config import DataConfig, TrainConfig
from .data import Dataset, Split, fingerprint, load_dataset, split_dataset
from .estimators import fitted_params, pipeline_for, round_thresholds_down
from .features import summarize_categorical, summarize_numeric
from .holdout import Holdout, write_holdout

LIBRARIES = ("scikit-learn", "numpy", "skl2onnx", "onnx", "onnxruntime")


def score(pipeline: Pipeline, task: Task, x: pd.DataFrame, y: npt.NDArray[Any]) -> dict[str, float]:
    if task == "regression":
        predicted = pipeline.predict(x)
        return {
            "r2": float(r2_score(y, predicted)),
            "rmse": float(root_mean_squared_error(y, predicted)),
            "mae": float(mean_absolute_error(y, predicted)),
        }
    probabilities = pipeline.predict_proba(x)
    labels = list(range(probabilities.shape[1]))
    positive = probabilities[:, 1] if task == "binary" else probabilities
    return {
        "accuracy": float(accuracy_score(y, pipeline.predict(x))),
        "f1": float(f1_score(y, pipeline.predict(x), average="macro")),
        "roc_auc": float(roc_auc_score(y, positive, multi_class="ovr", labels=labels)),
        "log_loss": float(log_loss(y, probabilities, labels=labels)),
    }


def project_name() -> str:
    """The installed distribution that owns this package: the project's name."""
    package = (__package__ or "").split(".")[0]
    try:
        # The package is the project name with "-" as "_", which distribution lookups treat as equal.
        return str(metadata.metadata(package)["Name"])
    except metadata.PackageNotFoundError:
        return package


def library_versions() -> dict[str, str]:
    versions = {name: metadata.version(name) for name in LIBRARIES}
    return {**versions, "python": platform.python_version()}


def train_model(data: DataConfig, train: TrainConfig, out: Path, name: str | None = None) -> ModelManifest:
    """Train on `data`, write model.joblib, holdout.npz, metrics.json and manifest.json into `out`."""
    dataset = load_dataset(data.source, data.target, data.task, data.categorical, data.exclude)
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
    metrics = score(pipeline, dataset.task, split.x_test, split.y_test.to_numpy())
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, out / PIPELINE_FILE)
    write_holdout(out, holdout_of(dataset, split))
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    manifest = describe(dataset, split, train.estimator, pipeline[-1], metrics, name or project_name())
    write_manifest(out, manifest)
    return manifest


def holdout_of(dataset: Dataset, split: Split) -> Holdout:
    numbers = split.x_test[dataset.features.numeric].to_numpy(np.float32)
    strings = split.x_test[dataset.features.categorical].to_numpy(dtype=str)
    return Holdout(numbers, strings, split.y_test.to_numpy())


def describe(
    dataset: Dataset, split: Split, estimator: str, model: Any, metrics: dict[str, float], name: str
) -> ModelManifest:
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
        categorical=summarize_categorical(split.x_train, features.categorical),
        classes=dataset.classes,
        metrics=metrics,
        data_source=dataset.source,
        data_fingerprint=data_fingerprint,
        library_versions=library_versions(),
        created_at=created_at,
        estimator_class=type(model).__name__,
        params=fitted_params(model),
    )
