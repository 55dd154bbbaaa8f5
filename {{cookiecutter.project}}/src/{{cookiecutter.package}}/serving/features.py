"""The model's inputs as every entry point checks them: /predict, OIP and batch scoring share these rules.

Numbers may be null (a missing value, NaN to the model); categories are strings or null ("" to the model).
A value of the wrong kind is refused with the row and the feature it sits in.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..manifest import CATEGORICAL_INPUT, ONNX_INPUT, ModelManifest

FLOAT32_MAX = float(np.finfo(np.float32).max)
# onnxruntime would read None as "None" and NaN as "nan", both unseen categories: missing is "".
MISSING_CATEGORY = ""

Feed = dict[str, np.ndarray]


@dataclass(frozen=True)
class Problem:
    """The first value a check refused: its row and column within the checked block, and why."""

    row: int
    column: int
    reason: str


class InputError(Exception):
    def __init__(self, problem: Problem, name: str) -> None:
        super().__init__(f"{name}: {problem.reason}")
        self.problem = problem
        self.name = name


class Columns:
    """The feature columns of one model: numbers in the `input` tensor, categories in `categorical`."""

    def __init__(self, manifest: ModelManifest) -> None:
        self.numeric = [feature.name for feature in manifest.features]
        self.categorical = [feature.name for feature in manifest.categorical]
        self.integer = np.array([feature.dtype == "integer" for feature in manifest.features], dtype=bool)

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def numbers(self, values: np.ndarray) -> np.ndarray:
        """[rows, numeric] float32, NaN where a value is missing; raises InputError on the first bad one."""
        if values.dtype.kind not in "fiu":
            values = _as_numbers(values, self.numeric)
        with np.errstate(over="ignore", invalid="ignore"):
            as_float = values.astype(np.float32)
            bad = np.isinf(as_float)
            problem = _first(bad, values, "expected a finite number within ±3.4e+38")
            if problem is None and self.integer.any():
                columns = as_float[:, self.integer]
                whole = np.isnan(columns) | (columns == np.round(columns))
                bad = np.zeros(as_float.shape, dtype=bool)
                bad[:, self.integer] = ~whole
                problem = _first(bad, values, "expected a whole number")
        if problem is not None:
            raise InputError(problem, self.numeric[problem.column])
        return as_float

    def strings(self, values: np.ndarray) -> np.ndarray:
        """[rows, categorical] of str, "" where a value is missing; raises InputError on a non-string."""
        result = np.empty(values.shape, dtype=object)
        for (row, column), value in np.ndenumerate(values):
            if value is None:
                result[row, column] = MISSING_CATEGORY
            elif isinstance(value, str):
                result[row, column] = value
            else:
                problem = Problem(row, column, f"expected a string or null, got {_show(value)}")
                raise InputError(problem, self.categorical[column])
        return result

    def feed(self, numbers: np.ndarray | None, strings: np.ndarray | None) -> Feed:
        """The ONNX inputs, holding only the tensors this model has features for."""
        feed: Feed = {}
        if self.numeric:
            assert numbers is not None, "a model with numeric features needs its numbers"
            feed[ONNX_INPUT] = numbers
        if self.categorical:
            assert strings is not None, "a model with categorical features needs its strings"
            feed[CATEGORICAL_INPUT] = strings
        return feed


def _as_numbers(values: np.ndarray, names: list[str]) -> np.ndarray:
    """Python values to float64 (None as NaN), refusing anything that is not a number or null."""
    result = np.empty(values.shape, dtype=np.float64)
    for (row, column), value in np.ndenumerate(values):
        if value is None:
            result[row, column] = np.nan
        elif isinstance(value, int | float) and not isinstance(value, bool):
            result[row, column] = value
        else:
            problem = Problem(row, column, f"expected a number or null, got {_show(value)}")
            raise InputError(problem, names[column])
    return result


def _first(bad: np.ndarray, values: np.ndarray, reason: str) -> Problem | None:
    if not bad.any():
        return None
    row, column = (int(index) for index in np.argwhere(bad)[0])
    return Problem(row, column, f"{reason}, got {_show(values[row, column])}")


def _show(value: Any) -> str:
    """A value as the client wrote it, cut short: JSON spelling for the usual scalars."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, list | dict):
        text = "a list" if isinstance(value, list) else "an object"
    else:
        text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else f"{text[:37]}..."
