"""The estimators on offer, their hyperparameters from [train.params], and the pipeline around them."""

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..errors import Failure
from ..manifest import MISSING_CATEGORY, JsonScalar, Task
from .config import Estimator

# What the imputer turns a missing category into before one-hot encoding.
IMPUTED_CATEGORY = "(missing)"


@dataclass(frozen=True)
class Spec:
    """One scikit-learn estimator class and the defaults the template trains it with."""

    module: str
    name: str
    defaults: dict[str, Any] = field(default_factory=dict)

    def make(self) -> Any:
        return getattr(importlib.import_module(self.module), self.name)()


# Bounded forests keep the ONNX graph small and single-row latency low; histogram gradient boosting
# routes missing values itself (the others get them imputed).
SPECS: dict[tuple[Estimator, bool], Spec] = {
    ("linear", False): Spec("sklearn.linear_model", "LogisticRegression", {"max_iter": 5000}),
    ("linear", True): Spec("sklearn.linear_model", "Ridge"),
    ("random_forest", False): Spec(
        "sklearn.ensemble", "RandomForestClassifier", {"n_estimators": 100, "max_depth": 10, "n_jobs": 1}
    ),
    ("random_forest", True): Spec(
        "sklearn.ensemble", "RandomForestRegressor", {"n_estimators": 100, "max_depth": 10, "n_jobs": 1}
    ),
    ("gradient_boosting", False): Spec("sklearn.ensemble", "HistGradientBoostingClassifier"),
    ("gradient_boosting", True): Spec("sklearn.ensemble", "HistGradientBoostingRegressor"),
}


def spec_for(estimator: Estimator, task: Task) -> Spec:
    return SPECS[estimator, task == "regression"]


def make_estimator(spec: Spec, params: dict[str, Any], seed: int) -> Any:
    """The estimator with the template defaults, then `params`, checked the way scikit-learn checks them."""
    model = spec.make()
    known = model.get_params()
    for key in params:
        if key == "random_state":
            raise Failure("train.params.random_state: set [train] seed instead; it seeds the split too")
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise Failure(f"train.params.{key}: not a parameter of {spec.name}{hint}")
    values = {**spec.defaults, **{key: None if value == "None" else value for key, value in params.items()}}
    if "random_state" in known:
        values["random_state"] = seed
    model.set_params(**values)
    try:
        # The check fit() would make, done before any data is touched; its message names the parameter.
        model._validate_params()
    except (ValueError, TypeError) as error:
        raise Failure(f"train.params: {error}") from None
    return model


def fitted_params(model: Any) -> dict[str, JsonScalar]:
    """The hyperparameters a manifest records: every get_params() value that is a JSON scalar."""
    scalars = (str, int, float, bool, type(None))
    return {key: value for key, value in sorted(model.get_params().items()) if isinstance(value, scalars)}


def build_pipeline(estimator: Any, numeric: int, categorical: int, scale: bool, impute: bool) -> Pipeline:
    """Columns 0..numeric-1 are numbers, the rest categories: each kind gets its own preparation.

    Integer column indices let skl2onnx give each kind its own typed ONNX input (floats and strings).
    """
    steps: list[Any] = [SimpleImputer(strategy="median")] if impute else []
    steps += [StandardScaler()] if scale else []
    columns: list[tuple[str, Any, list[int]]] = []
    if numeric:
        columns.append(("numeric", make_pipeline(*steps) if steps else "passthrough", list(range(numeric))))
    if categorical:
        encode = make_pipeline(
            SimpleImputer(missing_values=MISSING_CATEGORY, strategy="constant", fill_value=IMPUTED_CATEGORY),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        )
        columns.append(("categorical", encode, list(range(numeric, numeric + categorical))))
    return Pipeline([("prepare", ColumnTransformer(columns)), ("model", estimator)])


def pipeline_for(
    estimator: Estimator, task: Task, numeric: int, categorical: int, params: dict[str, Any], seed: int
) -> Pipeline:
    model = make_estimator(spec_for(estimator, task), params, seed)
    # Forests and linear models cannot take NaN in ONNX; histogram gradient boosting learns where it goes.
    return build_pipeline(
        model, numeric, categorical, scale=estimator == "linear", impute=estimator != "gradient_boosting"
    )


def pipeline_input(
    numeric: npt.NDArray[np.float32], categorical: npt.NDArray[Any], names: list[str]
) -> pd.DataFrame:
    """The frame a pipeline takes: float32 number columns, then object category columns ("" = missing)."""
    frame = pd.DataFrame(numeric, columns=names[: numeric.shape[1]])
    for index, name in enumerate(names[numeric.shape[1] :]):
        frame[name] = pd.Series(categorical[:, index], dtype=object)
    return frame


def round_thresholds_down(model: Any) -> None:
    """Make tree splits exact in float32, the type ONNX compares in.

    scikit-learn splits at float64 midpoints, and rounding one to float32 can land on a training
    value and send that row the other way in ONNX. The largest float32 at or below each threshold
    splits every float32 input exactly as before, so predictions do not change.
    """
    # A forest keeps its trees in estimators_; histogram gradient boosting keeps one predictor per
    # iteration and class, whose node table holds the thresholds.
    for tree in np.ravel(getattr(model, "estimators_", [])):
        tree.tree_.threshold[:] = float32_floor(tree.tree_.threshold)
    for predictor in np.ravel(getattr(model, "_predictors", [])):
        predictor.nodes["num_threshold"] = float32_floor(predictor.nodes["num_threshold"])


def float32_floor(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    rounded = values.astype(np.float32)
    above = rounded > values
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded.astype(np.float64)
