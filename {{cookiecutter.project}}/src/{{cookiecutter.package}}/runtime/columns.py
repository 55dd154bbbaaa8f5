"""The model's inputs as every entry point checks them: /predict, OIP and batch scoring share these rules.

A number is any number float32 holds, or null (a missing value, NaN to the model): the type a column
held in training is documented, never enforced, except that a column of booleans also takes true and
false (1 and 0, as training read them). A category is spelled as training spelled it (categories.py);
with strict categories, one training never saw is refused. A value of the wrong kind is refused with
its row and feature.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..manifest import CATEGORICAL_INPUT, MISSING_CATEGORY, ONNX_INPUT, ModelManifest
from . import categories
from .categories import show

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

    def __init__(self, manifest: ModelManifest, strict: bool = False) -> None:
        self.numeric = manifest.feature_names
        self.boolean = [feature.dtype == "boolean" for feature in manifest.features]
        self.categorical = [feature.name for feature in manifest.categorical]
        self.category_features = list(manifest.categorical)
        self.dtypes = [feature.dtype for feature in manifest.categorical]
        self.known = [frozenset(feature.categories) for feature in manifest.categorical]
        # Refuse categories training never saw (APP_STRICT_CATEGORIES) rather than encode them as unseen.
        self.strict = strict
        # The ONNX input tensors this model has features for, in the graph's order.
        self.inputs = [tensor.name for tensor in manifest.input_tensors]

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def numbers(self, values: np.ndarray) -> np.ndarray:
        """[rows, numeric] float32, NaN where a value is missing; raises InputError on the first bad one."""
        if values.dtype.kind not in "fiu":
            values = _as_numbers(values, self.numeric, self.boolean)
        as_float, problems = self.check_numbers(values, first_only=True)
        if problems:
            raise InputError(problems[0], self.numeric[problems[0].column])
        return as_float

    def check_numbers(self, values: np.ndarray, first_only: bool = False) -> tuple[np.ndarray, list[Problem]]:
        """Numbers as float32 and the problems: the first bad value of each bad row, in row order."""
        with np.errstate(over="ignore", invalid="ignore"):
            as_float = values.astype(np.float32)
            bad = np.isinf(as_float)
        # Every request passes here: the reason is spelled out only once a value is bad.
        if not bad.any():
            return as_float, []
        return as_float, _problems(bad, "expected a finite number within ±3.4e+38", values, first_only)

    def strings(self, values: np.ndarray) -> np.ndarray:
        """[rows, categorical] of str, "" where a value is missing; raises InputError on the first bad one
        and, when strict, on the first category training never saw."""
        result = self.spell(values)
        self.check_known(values, result)
        return result

    def spell(self, values: np.ndarray) -> np.ndarray:
        """Each value as its category (categories.py); raises InputError on the first that cannot be one."""
        result = np.empty(values.shape, dtype=object)
        for column, dtype in enumerate(self.dtypes):
            texts = [categories.spell(value, dtype) for value in values[:, column].tolist()]
            if None in texts:
                row = texts.index(None)
                reason = categories.problem(values[row, column], dtype)
                raise InputError(Problem(row, column, reason), self.categorical[column])
            result[:, column] = texts
        return result

    def check_known(self, values: np.ndarray, strings: np.ndarray) -> None:
        """When strict, raise InputError on the first category training never saw."""
        if not self.strict or not self.has_unseen(strings):
            return
        unseen = np.argwhere(self.unseen(strings))
        if len(unseen):
            row, column = (int(index) for index in unseen[0])
            reason = categories.unseen_problem(values[row, column], self.category_features[column])
            raise InputError(Problem(row, column, reason), self.categorical[column])

    def has_unseen(self, strings: np.ndarray) -> bool:
        """Whether any value is a category training never saw: plain loops, for the hot path's few cells."""
        known = self.known
        for row in strings.tolist():
            for column, text in enumerate(row):
                if text and text not in known[column]:
                    return True
        return False

    def unseen(self, strings: np.ndarray) -> np.ndarray:
        """Where [rows, categorical] strings hold a category training never saw (missing is none)."""
        mask = np.zeros(strings.shape, dtype=bool)
        for column, known in enumerate(self.known):
            mask[:, column] = [text != MISSING_CATEGORY and text not in known for text in strings[:, column]]
        return mask

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


def as_values(items: list[Any], exact: bool, rows: bool = False) -> np.ndarray:
    """JSON values as an array: plain numbers fast, else one Python object per cell for the exact
    checks (numpy reads true as 1.0 and fails on ragged values). `rows`: items are rows of cells."""
    if not exact:
        try:
            values = np.array(items)
            if values.ndim == (2 if rows else 1) and values.dtype.kind in "fiu":
                return values
        except ValueError:
            pass
    values = np.empty((len(items), len(items[0]) if items else 0) if rows else len(items), dtype=object)
    for index, item in enumerate(items):
        if rows:
            for column, value in enumerate(item):
                values[index, column] = value
        else:
            values[index] = item
    return values


def _as_numbers(values: np.ndarray, names: list[str], boolean: list[bool]) -> np.ndarray:
    """Python values to float64 (None as NaN), refusing anything that is not a number or null, or a
    boolean where the column held booleans in training."""
    result = np.empty(values.shape, dtype=np.float64)
    for (row, column), value in np.ndenumerate(values):
        if value is None:
            result[row, column] = np.nan
        elif isinstance(value, bool | np.bool_):
            if not boolean[column]:
                problem = Problem(row, column, f"expected a number or null, got {show(value)}")
                raise InputError(problem, names[column])
            result[row, column] = float(value)
        elif isinstance(value, int | float | np.integer | np.floating):
            result[row, column] = value
        else:
            expected = "true, false, a number or null" if boolean[column] else "a number or null"
            problem = Problem(row, column, f"expected {expected}, got {show(value)}")
            raise InputError(problem, names[column])
    return result


def _problems(bad: np.ndarray, reason: str, values: np.ndarray, first_only: bool) -> list[Problem]:
    """The first bad cell of each bad row (of the first bad row only, with first_only)."""
    rows = np.flatnonzero(bad.any(axis=1))
    problems = []
    for row in rows[:1] if first_only else rows:
        column = int(np.argmax(bad[row]))
        problems.append(Problem(int(row), column, f"{reason}, got {show(values[row, column])}"))
    return problems
