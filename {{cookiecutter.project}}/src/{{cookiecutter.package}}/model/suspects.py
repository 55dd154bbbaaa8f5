"""Data that trains as asked but is probably a mistake: one warning line each, naming the fix."""

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from ..manifest import MISSING_SPELLINGS

# A text column is called mostly numeric when at least this share of its values are numbers.
NUMERIC_SHARE = 0.9
# Fewer rows than this are too few to call a column of distinct values an identifier.
IDENTIFIER_MIN_ROWS = 20


def first_non_number(values: pd.Series) -> tuple[str, int, int] | None:
    """The first value that is not a number, its 1-based row and how many such values there are, when
    the column is mostly numbers; None otherwise."""
    present = values.notna().to_numpy()
    if not present.any() or pd.api.types.is_numeric_dtype(values):
        return None
    parsed = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    strays = np.flatnonzero(present & parsed.isna().to_numpy())
    if strays.size == 0 or 1 - strays.size / present.sum() < NUMERIC_SHARE:
        return None
    return str(values.iloc[strays[0]]), int(strays[0]) + 1, int(strays.size)


def numeric_text_warnings(source: str, frame: pd.DataFrame, categorical: list[str]) -> list[str]:
    """Text columns whose values are nearly all numbers: one "1,200" turns an income into categories."""
    warnings = []
    for name in categorical:
        stray = first_non_number(frame[name])
        if stray is None:
            continue
        value, row, count = stray
        levels = frame[name].nunique()
        warnings.append(
            f"{source}: column {name!r} is text because of {count} value(s) that are not numbers, first "
            f"{value!r} in row {row}; it became a categorical feature of {levels} levels. Fix those values "
            f"to make it a number, or list {name!r} in [data] categorical if it really is categories"
        )
    return warnings


def missing_lookalike_warnings(source: str, frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Text columns holding values spelt like a missing value ("NA", "None"): they are categories, in
    training and in serving alike, which is right for North America and wrong for an R export."""
    warnings = []
    for name in columns:
        values = frame[name]
        if not pd.api.types.is_string_dtype(values):
            continue
        counts = values[values.isin(MISSING_SPELLINGS)].value_counts()
        if counts.empty:
            continue
        shown = ", ".join(
            f"{value!r} ({round(100 * count / len(values))}% of rows)" for value, count in counts[:3].items()
        )
        warnings.append(
            f"{source}: column {name!r} holds {shown}, read as categories, not as missing values (serving"
            " reads them so too); leave such cells empty where a value is missing"
        )
    return warnings


def identifier_warnings(source: str, frame: pd.DataFrame, categorical: list[str]) -> list[str]:
    """Columns with a different value in every row (text, or integers counting up): ids, not features."""
    warnings: list[str] = []
    if len(frame) < IDENTIFIER_MIN_ROWS:
        return warnings
    for name in frame.columns:
        values = frame[name]
        if values.isna().any() or values.nunique() != len(values):
            continue
        integers = pd.api.types.is_integer_dtype(values)
        counting = integers and int(values.max()) - int(values.min()) == len(values) - 1
        if name in categorical or counting:
            warnings.append(
                f"{source}: column {name!r} has a different value in each of its {len(values)} rows "
                f"(first {values.iloc[0]!r}), like an identifier; as a feature it only helps the model "
                f"memorise rows. Drop it with [data] exclude = [{name!r}] unless it means something"
            )
    return warnings


def stray_target_warning(source: str, labels: pd.Series) -> str | None:
    """A target of numbers but for a few stray values, which make it text, so classes."""
    stray = first_non_number(labels)
    if stray is None:
        return None
    value, row, count = stray
    return (
        f"{source}: target column {labels.name!r} holds {count} value(s) that are not numbers, first "
        f"{value!r} in row {row}; so it is read as text, each distinct value a class. Fix or drop those "
        "rows to predict a number"
    )


def uncommitted_warning(path: Path) -> str | None:
    """A data file CI will not have: ignored by git, or not added yet. None outside a git work tree."""
    try:
        ignored = git(path, "check-ignore", "-q")
        tracked = git(path, "ls-files", "--error-unmatch")
    except (OSError, subprocess.TimeoutExpired):
        return None
    if ignored == 0:
        return f"{path}: git ignores this file, so CI's make model will not have it; commit it (README)"
    if ignored == 1 and tracked != 0:
        return f"{path}: not committed yet; CI's make model trains on it, so git add and commit it"
    return None


def git(path: Path, *command: str) -> int:
    run = subprocess.run(
        ["git", *command, path.name], cwd=path.parent, capture_output=True, timeout=10, check=False
    )
    return run.returncode
