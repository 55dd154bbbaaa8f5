"""Load, check and split the training data; feature names, task and fingerprint come from here."""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import CliError
from ..manifest import Feature, FeatureSummary, Task
from .config import BUNDLED_DATASETS, TaskChoice

FeatureKind = Literal["float", "integer"]

# A numeric target with more distinct values than this is taken as a regression target.
MAX_CLASSES = 20


@dataclass(frozen=True)
class Dataset:
    features: pd.DataFrame
    # Classification targets are class indices 0..k-1 into `classes`; regression targets are floats.
    target: pd.Series
    target_name: str
    task: Task
    classes: list[str] | None
    source: str
    # Whether each feature held integers before the float32 cast; clients may send either.
    kinds: dict[str, FeatureKind]


@dataclass(frozen=True)
class Split:
    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def load_dataset(source: str, target: str | None = None, task: TaskChoice = "auto") -> Dataset:
    if source in BUNDLED_DATASETS:
        return load_bundled(source)
    if target is None:
        raise CliError(f"{source}: name the target column (--target or [data] target in model.toml)")
    return load_file(Path(source), target, task)


def load_bundled(name: str) -> Dataset:
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    # Feature names become API field names, so make them identifiers ("mean radius" -> mean_radius).
    features = bunch.data.rename(columns=lambda column: re.sub(r"\W+", "_", column).strip("_"))
    kinds = feature_kinds(features)
    if name == "diabetes":
        target = bunch.target.astype("float64")
        return Dataset(as_float32(features), target, "target", "regression", None, name, kinds)
    classes = [str(label) for label in bunch.target_names]
    task: Task = "binary" if len(classes) == 2 else "multiclass"
    return Dataset(as_float32(features), bunch.target.astype("int64"), "target", task, classes, name, kinds)


def load_file(path: Path, target: str, task: TaskChoice) -> Dataset:
    frame = read_frame(path)
    if target not in frame.columns:
        raise CliError(f"{path}: target column {target!r} not found; columns are {list(frame.columns)}")
    features = frame.drop(columns=[target])
    check_features(path, features)
    kinds = feature_kinds(features)
    labels = frame[target]
    if labels.isna().any():
        raise CliError(f"{path}: target column {target!r} has missing values")
    chosen = infer_task(labels) if task == "auto" else task
    if chosen == "regression":
        if not pd.api.types.is_numeric_dtype(labels):
            raise CliError(f"{path}: regression needs a numeric target; {target!r} is {labels.dtype}")
        target_values = labels.astype("float64")
        return Dataset(as_float32(features), target_values, target, "regression", None, str(path), kinds)
    codes, uniques = pd.factorize(labels, sort=True)
    classes = [str(label) for label in uniques]
    if len(classes) < 2:
        raise CliError(f"{path}: target column {target!r} has a single class; nothing to learn")
    resolved: Task = "binary" if len(classes) == 2 else "multiclass"
    if chosen != resolved:
        raise CliError(f"{path}: task is {chosen} but target {target!r} has {len(classes)} classes")
    codes_series = pd.Series(codes, name=target)
    return Dataset(as_float32(features), codes_series, target, resolved, classes, str(path), kinds)


def read_frame(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CliError(f"{path}: data file not found")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise CliError(f"{path}: unsupported file type; use .csv or .parquet")
    try:
        frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise CliError(f"{path}: cannot read: {error}") from None
    if frame.empty:
        raise CliError(f"{path}: file has no rows")
    return frame


def check_features(path: Path, features: pd.DataFrame) -> None:
    if features.shape[1] == 0:
        raise CliError(f"{path}: no feature columns besides the target")
    for column in features.columns:
        values = features[column]
        if not pd.api.types.is_numeric_dtype(values):
            raise CliError(f"{path}: feature column {column!r} is {values.dtype}; features must be numeric")
        if values.isna().any():
            raise CliError(f"{path}: feature column {column!r} has missing values")


def infer_task(labels: pd.Series) -> Task:
    if pd.api.types.is_numeric_dtype(labels) and labels.nunique() > MAX_CLASSES:
        return "regression"
    return "binary" if labels.nunique() == 2 else "multiclass"


def feature_kinds(features: pd.DataFrame) -> dict[str, FeatureKind]:
    def kind(values: pd.Series) -> FeatureKind:
        integral = pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values)
        return "integer" if integral else "float"

    return {str(column): kind(features[column]) for column in features.columns}


def as_float32(features: pd.DataFrame) -> pd.DataFrame:
    """Round features to float32, the ONNX input type, so trees split between values serving can see."""
    return features.astype("float32")


def split_dataset(dataset: Dataset, test_size: float, seed: int) -> Split:
    from sklearn.model_selection import train_test_split

    stratify = None if dataset.task == "regression" else dataset.target
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            dataset.features, dataset.target, test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as error:
        # Too few rows, or a class too rare to appear on both sides of a stratified split.
        raise CliError(f"{dataset.source}: cannot split with test_size={test_size}: {error}") from None
    return Split(x_train, x_test, y_train, y_test)


def fingerprint(dataset: Dataset) -> str:
    """sha256 of the data in a canonical form: names and dtypes, then little-endian values."""
    digest = hashlib.sha256()
    header = {"features": list(dataset.features.columns), "target": dataset.target_name, "task": dataset.task}
    digest.update(json.dumps(header, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(dataset.features.to_numpy(dtype="<f4")).tobytes())
    digest.update(np.ascontiguousarray(dataset.target.to_numpy(dtype="<f8")).tobytes())
    digest.update(json.dumps(dataset.classes).encode())
    return digest.hexdigest()


def summarize_features(features: pd.DataFrame, kinds: dict[str, FeatureKind]) -> list[Feature]:
    """Reference statistics of the training split, which serving compares live inputs against."""
    summaries = []
    for column in features.columns:
        values = features[column].to_numpy(dtype="float64")
        summary = FeatureSummary(
            mean=float(values.mean()),
            std=float(values.std()),
            min=float(values.min()),
            max=float(values.max()),
            quantiles=[float(edge) for edge in np.quantile(values, np.linspace(0, 1, 11))],
        )
        summaries.append(Feature(name=str(column), dtype=kinds[str(column)], summary=summary))
    return summaries
