"""Training-time warnings: one line each for a column that trains as asked but is probably a mistake."""

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from {{ cookiecutter.package }}.model.suspects import (
    identifier_warnings,
    missing_lookalike_warnings,
    numeric_text_warnings,
    stray_target_warning,
    uncommitted_warning,
)


def incomes(rows: int = 40) -> pd.Series:
    values = [str(1000 + 37 * index) for index in range(rows)]
    values[5] = "1,200"
    return pd.Series(values, name="income")


def test_a_mostly_numeric_text_column_names_the_value_that_made_it_text() -> None:
    [warning] = numeric_text_warnings("data.csv", pd.DataFrame({"income": incomes()}), ["income"])
    assert warning.startswith("data.csv: column 'income' is text because of 1 value(s) that are not numbers")
    assert "first '1,200' in row 6" in warning
    assert "categorical feature of 40 levels" in warning


def test_text_that_is_mostly_words_is_no_suspect() -> None:
    frame = pd.DataFrame({"city": ["Paris", "Lyon", "12"] * 10})
    assert numeric_text_warnings("data.csv", frame, ["city"]) == []


def test_an_identifier_like_column_is_named_with_the_exclude_to_write() -> None:
    frame = pd.DataFrame(
        {
            "customer": [f"C{index:04d}" for index in range(30)],
            "row": np.arange(100, 130),
            "income": np.linspace(1, 2, 30),
            "visits": np.arange(30) * 3,
        }
    )
    warnings = identifier_warnings("data.csv", frame, ["customer"])
    assert len(warnings) == 2
    assert "column 'customer' has a different value in each of its 30 rows (first 'C0000')" in warnings[0]
    assert "[data] exclude = ['customer']" in warnings[0]
    assert "column 'row'" in warnings[1]


def test_few_rows_are_too_few_to_call_a_column_an_identifier() -> None:
    assert identifier_warnings("data.csv", pd.DataFrame({"id": ["a", "b"]}), ["id"]) == []


def test_a_target_with_a_stray_text_value_names_it() -> None:
    warning = stray_target_warning("data.csv", incomes().rename("price"))
    assert warning is not None
    assert "target column 'price' holds 1 value(s) that are not numbers, first '1,200' in row 6" in warning
    assert stray_target_warning("data.csv", pd.Series(["yes", "no"] * 20, name="churned")) is None


def test_a_data_file_ci_will_not_have_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data" / "train.csv"
    data.parent.mkdir()
    data.write_text("x,y\n1,2\n")
    assert uncommitted_warning(data) is None, "outside a git work tree there is nothing to say"
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert "train.csv: not committed yet; CI's make model trains on it" in str(uncommitted_warning(data))
    (tmp_path / ".gitignore").write_text("data/\n")
    assert "train.csv: git ignores this file" in str(uncommitted_warning(data))
    (tmp_path / ".gitignore").unlink()
    subprocess.run(["git", "add", "data"], cwd=tmp_path, check=True)
    assert uncommitted_warning(data) is None


def test_a_text_column_holding_missing_value_spellings_is_named() -> None:
    """ "NA" is North America to a Parquet file and missing to an R export: train says which it read."""
    regions = pd.DataFrame({"region": pd.Series(["EU", "NA", "NA", "None"], dtype="str"), "n": [1, 2, 3, 4]})
    [warning] = missing_lookalike_warnings("data.csv", regions, ["region", "n"])
    assert warning.startswith(
        "data.csv: column 'region' holds 'NA' (50% of rows), 'None' (25% of rows), read"
    )
    assert "not as missing values" in warning
    assert missing_lookalike_warnings("data.csv", regions.assign(region="EU"), ["region"]) == []
