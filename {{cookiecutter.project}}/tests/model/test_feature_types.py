"""Feature typing: which columns are categories, how their values become strings, and training summaries."""

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.model.feature_types import (
    as_text,
    prepare_features,
    summarize_categorical,
    summarize_numeric,
)


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "colour": ["red", None, "blue", "red", ""],
            "size": [1.5, np.nan, 2.0, 3.0, 4.0],
            "zip": [75001, 75002, 75001, 69001, 75001],
            "count": [1, 2, 3, 4, 5],
        }
    )


def test_string_columns_are_inferred_as_categories_and_numbers_keep_their_gaps() -> None:
    features = prepare_features("t", table(), None)
    assert (features.numeric, features.categorical) == (["size", "zip", "count"], ["colour"])
    assert list(features.frame.columns) == ["size", "zip", "count", "colour"]
    assert (features.frame[features.numeric].dtypes == np.float32).all()
    assert np.isnan(features.frame["size"].iloc[1])
    assert features.frame["colour"].tolist() == ["red", "", "blue", "red", ""]
    assert features.kinds == {"size": "float", "zip": "integer", "count": "integer"}


def test_declared_categories_may_be_numbers_read_as_text() -> None:
    features = prepare_features("t", table(), ["colour", "zip"])
    assert features.categorical == ["colour", "zip"]
    assert features.frame["zip"].tolist() == ["75001", "75002", "75001", "69001", "75001"]


def test_an_empty_declaration_means_every_column_must_be_a_number() -> None:
    with pytest.raises(Failure, match=r"'colour' holds .* list it in \[data\] categorical"):
        prepare_features("t.csv", table(), [])


@pytest.mark.parametrize(
    ("frame", "categorical", "message"),
    [
        (table(), ["color"], r"\[data\] categorical: column 'color' not found"),
        (table().assign(size=np.nan), None, "'size' has no values; drop it with \\[data\\] exclude"),
        (table().iloc[:, :0], None, "no feature columns"),
    ],
    ids=["unknown-column", "all-missing", "no-columns"],
)
def test_unusable_columns_are_named(frame: pd.DataFrame, categorical: list[str] | None, message: str) -> None:
    with pytest.raises(Failure, match=message):
        prepare_features("t.csv", frame, categorical)


def test_text_of_a_category_is_what_a_client_would_send() -> None:
    values = pd.Series([12.0, 3.5, None, "a", np.nan, 7, pd.NA], dtype=object)
    assert as_text(values).tolist() == ["12", "3.5", "", "a", "", "7", ""]


def test_category_summary_has_sorted_categories_shares_and_the_missing_share() -> None:
    features = prepare_features("t", table(), None)
    [colour] = summarize_categorical(features.frame, features.category_types)
    assert colour.name == "colour"
    assert colour.categories == ["blue", "red"]
    assert colour.shares == pytest.approx([0.2, 0.4])
    assert colour.missing == pytest.approx(0.4)


def test_number_summary_ignores_gaps_and_counts_them() -> None:
    features = prepare_features("t", table(), None)
    size = summarize_numeric(features.frame, features.kinds)[0]
    assert (size.name, size.dtype) == ("size", "float")
    assert size.summary.missing == pytest.approx(0.2)
    assert (size.summary.min, size.summary.max) == (1.5, 4.0)
    assert size.summary.mean == pytest.approx(2.625)
    assert len(size.summary.quantiles) == 11


def test_integer_coded_categories_are_recorded_as_integers_without_a_decimal_point() -> None:
    codes = table().assign(zip=[75001, np.nan, 75001, 69001, 75001])
    features = prepare_features("t", codes, ["colour", "zip"])
    assert features.frame["zip"].tolist() == ["75001", "", "75001", "69001", "75001"]
    assert features.category_types == {"colour": "string", "zip": "integer"}
    [_, zip_code] = summarize_categorical(features.frame, features.category_types)
    assert (zip_code.dtype, zip_code.categories) == ("integer", ["69001", "75001"])


@pytest.mark.parametrize(
    ("values", "kind"),
    [([1.5, 2.0], "float"), ([True, False], "boolean"), ([1, 2], "integer"), (["a", "b"], "string")],
)
def test_the_type_a_categorical_column_held_is_kept(values: list[object], kind: str) -> None:
    features = prepare_features("t", pd.DataFrame({"c": values, "x": [0.0, 1.0]}), ["c"])
    assert features.category_types == {"c": kind}


def test_a_float32_category_is_spelled_by_its_own_digits() -> None:
    """float32 0.1 widens to 0.10000000149011612; serving spells a float32 tensor as 0.1, so must training."""
    grades = pd.DataFrame({"grade": np.array([0.1, 0.5, np.nan], dtype=np.float32), "x": [0.0, 1.0, 2.0]})
    features = prepare_features("t", grades, ["grade"])
    assert features.frame["grade"].tolist() == ["0.1", "0.5", ""]


def test_a_column_of_booleans_with_gaps_is_a_boolean_feature() -> None:
    """pandas reads True, "" and False as objects; they train as 1, NaN and 0 and serve as true/false."""
    flags = pd.DataFrame({"premium": [True, None, False], "x": [0.0, 1.0, 2.0]}, dtype=object)
    features = prepare_features("t", flags.assign(x=[0.0, 1.0, 2.0]), None)
    assert features.kinds == {"premium": "boolean", "x": "float"}
    assert features.frame["premium"].tolist()[::2] == [1.0, 0.0]
