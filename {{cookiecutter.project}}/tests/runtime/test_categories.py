"""A category is spelled as training spelled it, by the type its column held, and a number in a CSV file
is read as pandas reads it; the message refusing an unseen category stays bounded."""

import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package }}.manifest import CategoricalFeature, category_text
from {{ cookiecutter.package }}.runtime.categories import (
    MAX_CATEGORY_CHARS,
    number,
    spell,
    unseen_problem,
)

PROPERTIES = settings(max_examples=200, deadline=None, derandomize=os.environ.get("CI") == "true")

SPELLED: list[tuple[Any, str, str | None]] = [
    # An integer-coded column: every spelling of 2 is "2", as training's category_text made 2 and 2.0.
    *(
        (value, "integer", "2")
        for value in (2, 2.0, np.int64(2), "2", "2.0", "+2", "02", "2.", "2e0", "0.2e1")
    ),
    ("2.0000000000000001", "integer", "2"),  # as JSON reads 2.0000000000000001: 2.0
    (-0.0, "integer", "0"),
    ("-0", "integer", "0"),
    ("2.5", "integer", "2.5"),  # a code training never saw, unseen rather than refused
    ("12345678901234567891", "integer", "12345678901234567891"),  # exact, not rounded through a float
    ("1e300", "integer", str(int(1e300))),  # as JSON's 1e300 and training's float column spell it
    ("two", "integer", "two"),
    ("1_0", "integer", "1_0"),  # Python's float() reads these two; JSON and pandas do not
    ("٢", "integer", "٢"),
    (" 2", "integer", "2"),  # pandas reads a padded number as that number
    ("2\t", "integer", "2"),
    (" two", "integer", " two"),
    (np.float32(0.1), "float", "0.1"),  # a float32 by its own digits, as training spells its column
    (np.float16(0.5), "float", "0.5"),
    (True, "integer", None),  # a boolean is no code
    ("2.0", "string", "2.0"),  # text stays text in a text column, as training kept it
    (2.0, "string", "2"),
    ("2.50", "float", "2.5"),
    (True, "boolean", "True"),
    ("false", "boolean", "False"),
    ("TRUE", "boolean", "True"),
    ("tRuE", "boolean", "tRuE"),  # not a pandas spelling of true
    (None, "integer", ""),
    ("NA", "integer", ""),  # pandas reads it as missing in a column of numbers
    ("", "string", ""),
    ("NA", "string", "NA"),  # text is text: a region, not a missing value, in training and here
    ("None", "string", "None"),
    (float("nan"), "float", ""),
    ("x" * (MAX_CATEGORY_CHARS + 1), "string", None),
    ([2], "integer", None),
]


@pytest.mark.parametrize(("value", "dtype", "text"), SPELLED, ids=lambda item: repr(item)[:20])
def test_a_value_is_spelled_as_training_spelled_its_column(value: Any, dtype: Any, text: str | None) -> None:
    assert spell(value, dtype) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [("2", 2.0), (" 2 ", 2.0), ("+.5e1", 5.0), ("NA", math.nan), ("-inf", -math.inf), ("Infinity", math.inf),
     ("1_0", None), ("٢٥", None), ("0x10", None), ("nAn", None), ("True", None), ("", math.nan)],
)  # fmt: skip
def test_a_csv_number_is_read_as_pandas_reads_it(text: str, value: float | None) -> None:
    """Batch scoring's rule for a CSV cell of a numeric column: pandas', not Python's float()."""
    read = number(text)
    assert read == value or (
        value is not None and read is not None and math.isnan(read) and math.isnan(value)
    )


def test_a_column_of_booleans_reads_true_and_false_as_pandas_does() -> None:
    assert [number(text, boolean=True) for text in ("True", "false", "TRUE", "1", "yes")] == [
        1,
        0,
        1,
        1,
        None,
    ]


@given(st.integers(-(2**63), 2**63 - 1))
@PROPERTIES
def test_every_spelling_of_an_integer_code_is_the_training_category(code: int) -> None:
    expected = category_text(np.int64(code))
    assert spell(code, "integer") == spell(str(code), "integer") == expected
    assert spell(float(code), "integer") == spell(repr(float(code)), "integer") == category_text(float(code))


@given(st.floats(allow_nan=False, allow_infinity=False))
@PROPERTIES
def test_a_number_and_its_text_are_one_category(number: float) -> None:
    assert spell(number, "float") == spell(repr(number), "float") == category_text(number)


def test_the_unseen_message_is_bounded_however_many_and_long_the_categories() -> None:
    known = [f"{index:04d}" + "x" * 1000 for index in range(500)]
    feature = CategoricalFeature(name="f", categories=known, shares=[0.002] * 500, dtype="string")
    message = unseen_problem("y" * 1024, feature)
    assert len(message) < 1000
    assert "and 490 more" in message
