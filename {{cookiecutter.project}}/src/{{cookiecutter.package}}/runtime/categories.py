"""A value as the model reads it, spelled by the type its column held in training.

Training turned every category into text with manifest.category_text. A request, an OIP tensor and a
batch file go through `spell` here, so that each spelling of one value is one category: for an
integer-coded column 2, 2.0, "2", " 2" and "2.0" are all "2". Text stays text in a text column ("2.0"
is not "2" there, and "NA" is the category "NA", as training kept them). Batch scoring reads a CSV
file's numbers with `number`, by the same rules as pandas read training's.
"""

import math
import re
from typing import Any

import numpy as np

from ..manifest import MISSING_CATEGORY, MISSING_SPELLINGS, CategoricalFeature, CategoryType, category_text

# The longest category, in characters: no model saw a longer one, and it bounds batch scoring's memory.
MAX_CATEGORY_CHARS = 1024
# A number as pandas reads one in a CSV file ("02", "+2", "2.", ".5", "1e3"), in ASCII digits only:
# Python's float() also reads "1_0" and "٢". Groups: a fraction, or an exponent.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(\.[0-9]*)?|(\.[0-9]+))([eE][+-]?[0-9]+)?")
# pandas' infinities, in any case; check_numbers refuses them as it refuses any non-finite number.
_INFINITY = re.compile(r"([+-]?)(?:inf|infinity)", re.IGNORECASE)
# The padding pandas drops around a number (" 6" is 6); text keeps its spaces.
_PADDING = " \t"
# pandas' spellings of true and false (its default true_values and false_values).
BOOLEAN_SPELLINGS = {"True": True, "TRUE": True, "true": True, "False": False, "FALSE": False, "false": False}
# Known categories an error lists before "and N more".
SHOWN_CATEGORIES = 10
# What a column of each type takes, for messages.
EXPECTED = {
    "string": "a string, a number or null",
    "integer": 'an integer code (2 or "2") or null',
    "float": 'a number (2.5 or "2.5") or null',
    "boolean": 'true, false or null (or "True", "False")',
}


def spell(value: Any, dtype: CategoryType = "string") -> str | None:
    """The category `value` is for a column of `dtype`, "" when missing; None when it cannot be one."""
    if value is None:
        return MISSING_CATEGORY
    if isinstance(value, str):
        if len(value) > MAX_CATEGORY_CHARS:
            return None
        return _spell_text(value, dtype) if dtype != "string" else value
    if isinstance(value, bool | np.bool_):
        return str(bool(value)) if dtype == "boolean" else None
    if isinstance(value, int | float | np.integer | np.floating):
        return category_text(value)
    return None


def _spell_text(text: str, dtype: CategoryType) -> str:
    """Text in a column that held numbers or booleans, as pandas read it in training: a missing value's
    spelling is missing, a number's (padded or not) that number, and any other text stays as it is."""
    if text in MISSING_SPELLINGS:
        return MISSING_CATEGORY
    if dtype == "boolean":
        return str(BOOLEAN_SPELLINGS[text]) if text in BOOLEAN_SPELLINGS else text
    stripped = text.strip(_PADDING)
    match = _NUMBER.fullmatch(stripped)
    if match is None:
        return text
    # A whole number stays exact: float() would round 12345678901234567891 to ...568.
    whole = match.group(1) is None and match.group(2) is None and match.group(3) is None
    return category_text(int(stripped) if whole else float(stripped))


def number(text: str, boolean: bool = False) -> float | None:
    """A CSV cell of a numeric column as pandas reads it: NaN when missing, None when it is no number.
    `boolean`: the column held booleans in training, so True and False are 1 and 0."""
    if text in MISSING_SPELLINGS:
        return math.nan
    if boolean and text in BOOLEAN_SPELLINGS:
        return float(BOOLEAN_SPELLINGS[text])
    stripped = text.strip(_PADDING)
    if _NUMBER.fullmatch(stripped):
        return float(stripped)
    infinity = _INFINITY.fullmatch(stripped)
    if infinity:
        return -math.inf if infinity.group(1) == "-" else math.inf
    return None


def problem(value: Any, dtype: CategoryType) -> str:
    """Why `value` cannot be a category of a `dtype` column."""
    if isinstance(value, str):
        return f"expected a category of at most {MAX_CATEGORY_CHARS} characters, got {len(value)}"
    return f"expected {EXPECTED[dtype]}, got {show(value)}"


def unseen_problem(value: Any, feature: CategoricalFeature) -> str:
    """Why strict mode refuses a category training never saw: the value, and the known ones (bounded)."""
    known = feature.categories
    listed = ", ".join(show(category) for category in known[:SHOWN_CATEGORIES])
    more = (
        f" and {len(known) - SHOWN_CATEGORIES} more (GET /model lists them)"
        if len(known) > SHOWN_CATEGORIES
        else ""
    )
    return (
        f"{show(value)} is not a category training saw; send one of {listed}{more}, or null "
        "(the server refuses unseen categories: APP_STRICT_CATEGORIES)"
    )


def show(value: Any) -> str:
    """A value as the client wrote it, cut short: JSON spelling for the usual scalars."""
    if isinstance(value, bool | np.bool_):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, list | dict):
        text = "a list" if isinstance(value, list) else "an object"
    else:
        text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else f"{text[:37]}..."
