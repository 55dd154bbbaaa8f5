"""The starter datasets, which ship inside packages (scikit-learn, palmerpenguins): nothing to download."""

import re

import pandas as pd

from ..manifest import Task
from .dataset import Dataset
from .feature_types import prepare_features


def load_bundled(name: str) -> Dataset:
    if name == "penguins":
        return load_penguins()
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    features = prepare_features(name, bunch.data.rename(columns=identifier), [])
    if name == "diabetes":
        return Dataset(features, bunch.target.astype("float64"), "target", "regression", None, name)
    classes = [str(label) for label in bunch.target_names]
    task: Task = "binary" if len(classes) == 2 else "multiclass"
    return Dataset(features, bunch.target.astype("int64"), "target", task, classes, name)


def load_penguins() -> Dataset:
    """Palmer penguins (palmerpenguins' bundled CSV): the species from measurements, island and sex,
    with missing values in both kinds. The study year is left out: it dates the sample, not the bird."""
    from palmerpenguins import load_penguins as read_penguins

    frame = read_penguins().drop(columns=["year"])
    codes, uniques = pd.factorize(frame.pop("species"), sort=True)
    features = prepare_features("penguins", frame, ["island", "sex"])
    classes = [str(label) for label in uniques]
    return Dataset(features, pd.Series(codes, name="species"), "species", "multiclass", classes, "penguins")


def identifier(column: str) -> str:
    """Feature names become API field names, so make them identifiers ("mean radius" -> mean_radius)."""
    return re.sub(r"\W+", "_", column).strip("_")
