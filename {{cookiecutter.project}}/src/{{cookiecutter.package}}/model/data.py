"""Load, check and split the training data; the task, the classes and the fingerprint come from here."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import Failure
from ..manifest import Task
from .config import BUNDLED_DATASETS, TaskChoice
from .dataset import Dataset
from .feature_types import Features, prepare_features
from .suspects import (
    first_non_number,
    identifier_warnings,
    missing_lookalike_warnings,
    numeric_text_warnings,
    stray_target_warning,
)

# A numeric target with more distinct values than this is taken as a regression target.
MAX_CLASSES = 20


@dataclass(frozen=True)
class Split:
    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def load_dataset(
    source: str,
    target: str | None = None,
    task: TaskChoice = "auto",
    categorical: list[str] | None = None,
    exclude: Sequence[str] = (),
) -> Dataset:
    if source in BUNDLED_DATASETS:
        from .bundled import load_bundled

        return load_bundled(source)
    if target is None:
        raise Failure(f"{source}: name the target column (--target or [data] target in model.toml)")
    return load_file(source, target, task, categorical, exclude)


def load_file(
    path: str, target: str, task: TaskChoice, categorical: list[str] | None, exclude: Sequence[str]
) -> Dataset:
    """A file, or a prefix of files, local or in object storage (model/sources.py)."""
    from .reading import read_source

    frame, listing = read_source(path)
    columns = list(frame.columns)
    for name in (target, *exclude):
        if name not in columns:
            raise Failure(f"{path}: column {name!r} not found; columns are {columns}")
    raw = frame.drop(columns=[target, *exclude])
    features = prepare_features(str(path), raw, categorical)
    warnings = [
        *numeric_text_warnings(str(path), raw, features.categorical),
        *identifier_warnings(str(path), raw, features.categorical),
        *missing_lookalike_warnings(str(path), frame, [*features.categorical, target]),
    ]
    if skipped := listing["skipped"]:
        shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        warnings.append(f"{path}: skipped {len(skipped)} files that are not .parquet or .csv: {shown}")
    labels = frame[target]
    if labels.isna().any():
        row = int(np.argmax(labels.isna().to_numpy())) + 1
        raise Failure(f"{path}: target column {target!r} has no value in row {row}; fill or drop those rows")
    if (stray := stray_target_warning(str(path), labels)) is not None:
        warnings.append(stray)
    dataset = label_dataset(str(path), features, labels, task)
    return replace(dataset, warnings=tuple(warnings), listing=listing)


def label_dataset(source: str, features: Features, labels: pd.Series, task: TaskChoice) -> Dataset:
    """The target as regression values or as class indices, checked against the task asked for."""
    target = str(labels.name)
    chosen = infer_task(labels) if task == "auto" else task
    if chosen == "regression":
        if not pd.api.types.is_numeric_dtype(labels):
            stray = first_non_number(labels) or (str(labels.dropna().iloc[0]), 1, 0)
            raise Failure(
                f"{source}: regression needs a numeric target; {target!r} holds {stray[0]!r} in row "
                f"{stray[1]}: fix or drop such rows, or set [data] task to classify"
            )
        return Dataset(features, labels.astype("float64"), target, "regression", None, source)
    codes, uniques = pd.factorize(labels, sort=True)
    classes = [str(label) for label in uniques]
    if len(classes) < 2:
        raise Failure(f"{source}: target column {target!r} has a single class; nothing to learn")
    resolved: Task = "binary" if len(classes) == 2 else "multiclass"
    if chosen != resolved:
        raise Failure(f"{source}: task is {chosen} but target {target!r} has {len(classes)} classes")
    return Dataset(features, pd.Series(codes, name=target), target, resolved, classes, source)


def infer_task(labels: pd.Series) -> Task:
    if pd.api.types.is_numeric_dtype(labels) and labels.nunique() > MAX_CLASSES:
        return "regression"
    return "binary" if labels.nunique() == 2 else "multiclass"


def split_dataset(dataset: Dataset, test_size: float, seed: int) -> Split:
    from sklearn.model_selection import train_test_split

    stratify = None if dataset.task == "regression" else dataset.target
    if stratify is not None and dataset.classes is not None:
        counts = np.bincount(stratify.to_numpy(), minlength=len(dataset.classes))
        rare = int(np.argmin(counts))
        if counts[rare] < 2:
            others = int((counts < 2).sum()) - 1
            more = f" (and {others} more classes)" if others else ""
            raise Failure(
                f"{dataset.source}: class {dataset.classes[rare]!r} of target {dataset.target_name!r} has "
                f"{counts[rare]} row{more}; a split needs at least 2 rows of each class: fix or drop it"
            )
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            dataset.features.frame, dataset.target, test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as error:
        # Too few rows, or a class too rare to appear on both sides of a stratified split.
        raise Failure(f"{dataset.source}: cannot split with test_size={test_size}: {error}") from None
    return Split(x_train, x_test, y_train, y_test)


def fingerprint(dataset: Dataset) -> str:
    """sha256 of the data in a canonical form: names, then little-endian numbers, then UTF-8 categories."""
    features = dataset.features
    digest = hashlib.sha256()
    header: dict[str, object] = {
        "features": features.numeric,
        "target": dataset.target_name,
        "task": dataset.task,
    }
    if features.categorical:
        # Only when there are categories, so numeric datasets keep the fingerprints they always had.
        header["categorical"] = features.categorical
    digest.update(json.dumps(header, sort_keys=True).encode())
    numbers = features.frame[features.numeric].to_numpy(dtype="<f4")
    digest.update(np.ascontiguousarray(numbers).tobytes())
    digest.update(np.ascontiguousarray(dataset.target.to_numpy(dtype="<f8")).tobytes())
    digest.update(json.dumps(dataset.classes).encode())
    for name in features.categorical:
        digest.update("\x1f".join(features.frame[name]).encode())
    if dataset.listing is not None:
        # The files read, with their versions or ETags, and the row count: the same rows from other
        # objects, or the same objects at other versions, are other data.
        digest.update(dataset.listing["listing_sha256"].encode())
    return digest.hexdigest()
