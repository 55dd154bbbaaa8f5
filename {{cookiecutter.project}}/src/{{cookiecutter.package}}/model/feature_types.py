"""Feature columns: which are numbers and which categories, their model types, and training summaries."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Failure
from ..manifest import (
    MISSING_CATEGORY,
    CategoricalFeature,
    CategoryType,
    Feature,
    FeatureSummary,
    NumberType,
    category_text,
)


@dataclass(frozen=True)
class Features:
    """The features in model order: float32 numbers (NaN = missing), then str categories ("" = missing)."""

    frame: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    # What each numeric feature held before the float32 cast: serving takes true/false for booleans.
    kinds: dict[str, NumberType]
    # What each categorical column held before category_text made its values strings.
    category_types: dict[str, CategoryType]


def prepare_features(source: str, frame: pd.DataFrame, categorical: list[str] | None) -> Features:
    """Type the columns: the declared categories, or (when None) every column whose values are not numbers."""
    if frame.shape[1] == 0:
        raise Failure(f"{source}: no feature columns besides the target")
    names = [str(column) for column in frame.columns]
    frame = frame.set_axis(names, axis=1).apply(as_boolean)
    if categorical is None:
        categorical = [name for name in names if not is_numeric(frame[name])]
    for name in categorical:
        if name not in names:
            raise Failure(f"{source}: [data] categorical: column {name!r} not found; columns are {names}")
    numeric = [name for name in names if name not in categorical]
    for name in names:
        if frame[name].isna().all():
            raise Failure(f"{source}: feature column {name!r} has no values; drop it with [data] exclude")
        if name in numeric and not is_numeric(frame[name]):
            raise Failure(
                f"{source}: feature column {name!r} holds {frame[name].dtype} values; list it in "
                "[data] categorical, or leave [data] categorical out to infer it"
            )
    kinds = {name: numeric_kind(frame[name]) for name in numeric}
    types = {name: category_type(frame[name]) for name in categorical}
    typed = pd.concat(
        [frame[numeric].astype("float32"), *(as_text(frame[name]) for name in categorical)], axis=1
    )
    return Features(typed, numeric, categorical, kinds, types)


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def as_boolean(values: pd.Series) -> pd.Series:
    """A column of booleans with gaps (pandas reads True, "" and False as objects) as pandas' nullable
    boolean, so that it trains as booleans, not as text."""
    if values.dtype != object:
        return values
    present = values.dropna()
    if present.empty or not all(isinstance(value, bool | np.bool_) for value in present):
        return values
    return values.astype("boolean")


def numeric_kind(values: pd.Series) -> NumberType:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    return "integer" if pd.api.types.is_integer_dtype(values) else "float"


def category_type(values: pd.Series) -> CategoryType:
    """Integer-coded categories (job codes 1-6) stay "integer" when missing values made pandas read floats."""
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "integer"
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        return "integer" if bool((present == present.round()).all()) else "float"
    return "string"


def as_text(values: pd.Series) -> pd.Series:
    """Categories as Python strings by category_text ("" where missing, 12.0 -> "12"); a float32
    column's values as float32, which category_text spells by their own digits."""
    narrow = isinstance(values.dtype, np.dtype) and values.dtype.kind == "f" and values.dtype.itemsize < 8
    items = list(values.to_numpy()) if narrow else values.tolist()
    texts = [MISSING_CATEGORY if pd.isna(value) else category_text(value) for value in items]
    return pd.Series(texts, index=values.index, name=values.name, dtype=object)


def summarize_numeric(frame: pd.DataFrame, kinds: dict[str, NumberType]) -> list[Feature]:
    """Reference statistics of the training split, which serving compares live inputs against."""
    summaries = []
    for name, kind in kinds.items():
        column = frame[name].to_numpy(dtype="float64")
        values = column[~np.isnan(column)]
        if values.size == 0:
            raise Failure(f"feature column {name!r} has no values in the training split")
        summary = FeatureSummary(
            mean=float(values.mean()),
            std=float(values.std()),
            min=float(values.min()),
            max=float(values.max()),
            quantiles=[float(edge) for edge in np.quantile(values, np.linspace(0, 1, 11))],
            missing=float(1 - values.size / column.size),
        )
        summaries.append(Feature(name=name, dtype=kind, summary=summary))
    return summaries


def summarize_categorical(frame: pd.DataFrame, types: dict[str, CategoryType]) -> list[CategoricalFeature]:
    """The categories of the training split, sorted as the one-hot encoder orders them, and their shares."""
    summaries = []
    for name, dtype in types.items():
        counts = frame[name].value_counts()
        present = sorted(str(value) for value in counts.index if value != MISSING_CATEGORY)
        summaries.append(
            CategoricalFeature(
                name=name,
                categories=present,
                shares=[float(counts[value] / len(frame)) for value in present],
                missing=float(counts.get(MISSING_CATEGORY, 0) / len(frame)),
                dtype=dtype,
            )
        )
    return summaries
