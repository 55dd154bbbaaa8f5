"""The model's inputs as every entry point checks them: /predict, OIP and batch scoring share these rules.

Numbers may be null (a missing value, NaN to the model). A category is a string, or a number spelled as
training spells it (12 and 12.0 as "12"); null, "" and the other spellings of a missing value in a text
file are missing ("" to the model). A value of the wrong kind is refused with its row and feature.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..manifest import CATEGORICAL_INPUT, MISSING_CATEGORY, ONNX_INPUT, ModelManifest

Feed = dict[str, np.ndarray]

# The spellings of a missing value in a text file, as pandas reads them (its STR_NA_VALUES): training
# reads CSV files with pandas, batch scoring reads them with these, and a category sent over HTTP
# follows the same rule, so that a row means one thing whichever way it comes.
MISSING_SPELLINGS = frozenset(
    {
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
        "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    }
)  # fmt: skip
# The longest category, in characters: no model saw a longer one, and it bounds batch scoring's memory.
MAX_CATEGORY_CHARS = 1024


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
        self.has_integer = bool(self.integer.any())
        # The ONNX input tensors this model has features for, in the graph's order.
        kinds = ((ONNX_INPUT, self.numeric), (CATEGORICAL_INPUT, self.categorical))
        self.inputs = [tensor for tensor, names in kinds if names]

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def numbers(self, values: np.ndarray) -> np.ndarray:
        """[rows, numeric] float32, NaN where a value is missing; raises InputError on the first bad one."""
        if values.dtype.kind not in "fiu":
            values = _as_numbers(values, self.numeric)
        as_float, problems = self.check_numbers(values, first_only=True)
        if problems:
            raise InputError(problems[0], self.numeric[problems[0].column])
        return as_float

    def check_numbers(self, values: np.ndarray, first_only: bool = False) -> tuple[np.ndarray, list[Problem]]:
        """Numbers as float32 and the problems: the first bad value of each bad row, in row order."""
        with np.errstate(over="ignore", invalid="ignore"):
            as_float = values.astype(np.float32)
            infinite = np.isinf(as_float)
            bad = infinite | self._fractions(as_float) if self.has_integer else infinite
        # Every request passes here: the reasons are spelled out only once a value is bad.
        if not bad.any():
            return as_float, []
        reasons = np.where(infinite, "expected a finite number within ±3.4e+38", "expected a whole number")
        return as_float, _problems(bad, reasons, values, first_only)

    def _fractions(self, as_float: np.ndarray) -> np.ndarray:
        """Where an integer feature holds a number with a fractional part (missing is fine)."""
        fraction = np.zeros(as_float.shape, dtype=bool)
        columns = as_float[:, self.integer]
        fraction[:, self.integer] = ~(np.isnan(columns) | (columns == np.round(columns)))
        return fraction

    def strings(self, values: np.ndarray) -> np.ndarray:
        """[rows, categorical] of str, "" where a value is missing; raises InputError on the first bad one."""
        result = np.empty(values.shape, dtype=object)
        for (row, column), value in np.ndenumerate(values):
            text = category_text(value)
            if text is None:
                raise InputError(Problem(row, column, category_problem(value)), self.categorical[column])
            result[row, column] = text
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


def category_text(value: Any) -> str | None:
    """A value of a category column as the model reads it, or None when it cannot be a category."""
    if value is None:
        return MISSING_CATEGORY
    if type(value) is str:
        if value in MISSING_SPELLINGS:
            return MISSING_CATEGORY
        return value if len(value) <= MAX_CATEGORY_CHARS else None
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return MISSING_CATEGORY
        if value.is_integer():
            return str(int(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def category_problem(value: Any) -> str:
    if isinstance(value, str):
        return f"expected a category of at most {MAX_CATEGORY_CHARS} characters, got {len(value)}"
    return f"expected a string, a number or null, got {_show(value)}"


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


def _problems(bad: np.ndarray, reasons: np.ndarray, values: np.ndarray, first_only: bool) -> list[Problem]:
    """The first bad cell of each bad row (of the first bad row only, with first_only)."""
    rows = np.flatnonzero(bad.any(axis=1))
    problems = []
    for row in rows[:1] if first_only else rows:
        column = int(np.argmax(bad[row]))
        reason = f"{reasons[row, column]}, got {_show(values[row, column])}"
        problems.append(Problem(int(row), column, reason))
    return problems


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
