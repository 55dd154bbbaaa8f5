"""Data loading and splitting: bundled datasets, user CSV/Parquet files and the errors they raise."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.model.data import fingerprint, load_dataset, split_dataset


def user_frame(rows: int = 60, classes: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, rows),
            "income": rng.normal(50_000, 10_000, rows),
            "label": [f"class-{i % classes}" for i in range(rows)],
            "price": rng.normal(100, 30, rows),
        }
    )


def test_split_is_deterministic_for_a_seed() -> None:
    dataset = load_dataset("wine")
    first, again = split_dataset(dataset, 0.25, seed=3), split_dataset(dataset, 0.25, seed=3)
    other = split_dataset(dataset, 0.25, seed=4)
    assert list(first.x_test.index) == list(again.x_test.index)
    assert list(first.x_test.index) != list(other.x_test.index)


def test_classification_split_keeps_class_proportions() -> None:
    dataset = load_dataset("breast_cancer")
    split = split_dataset(dataset, 0.25, seed=0)
    assert split.y_train.mean() == pytest.approx(split.y_test.mean(), abs=0.01)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_user_file_trains_a_classifier_on_a_text_target(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    frame = user_frame().drop(columns=["price"])
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    dataset = load_dataset(str(path), "label")
    assert dataset.task == "binary"
    assert dataset.classes == ["class-0", "class-1"]
    assert dataset.features.kinds == {"age": "integer", "income": "float"}
    assert set(dataset.target) == {0, 1}


def test_user_file_with_categories_and_gaps_keeps_every_row(penguins_csv: Path) -> None:
    dataset = load_dataset(str(penguins_csv), "species")
    features = dataset.features
    assert (dataset.task, dataset.classes) == ("multiclass", ["Adelie", "Chinstrap", "Gentoo"])
    assert features.categorical == ["island", "sex"]
    assert len(features.frame) == 344
    assert (features.frame["sex"] == "").sum() == 11
    assert features.frame["bill_length_mm"].isna().sum() == 2


def test_excluded_columns_are_not_features(penguins_csv: Path) -> None:
    dataset = load_dataset(str(penguins_csv), "species", exclude=["year", "island"])
    assert "year" not in dataset.features.numeric
    assert dataset.features.categorical == ["sex"]


def test_user_file_with_many_numeric_values_is_regression(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    user_frame().drop(columns=["label"]).to_csv(path, index=False)
    assert load_dataset(str(path), "price").task == "regression"


def test_explicit_task_overrides_inference(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    user_frame(classes=3).drop(columns=["price"]).to_csv(path, index=False)
    assert load_dataset(str(path), "label", task="multiclass").classes == ["class-0", "class-1", "class-2"]
    with pytest.raises(Failure, match="task is binary but target 'label' has 3 classes"):
        load_dataset(str(path), "label", task="binary")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda frame: frame.drop(columns=["label"]), "column 'label' not found"),
        (lambda frame: frame.iloc[:0], "has no rows"),
        (lambda frame: frame.assign(income=np.nan), "feature column 'income' has no values"),
        (lambda frame: frame.assign(label="only"), "single class"),
        (lambda frame: frame[["label"]], "no feature columns"),
        (
            lambda frame: frame.assign(label=[None, *frame["label"][1:]]),
            "target column 'label' has no value in row",
        ),
    ],
    ids=["missing-target", "empty", "all-missing", "one-class", "no-features", "missing-label"],
)
def test_bad_user_data_is_rejected_by_name(
    tmp_path: Path, change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    path = tmp_path / "data.csv"
    change(user_frame().drop(columns=["price"])).to_csv(path, index=False)
    with pytest.raises(Failure, match=message):
        load_dataset(str(path), "label")


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        ("absent.csv", "label", "data file not found"),
        ("data.xlsx", "label", "use .csv or .parquet"),
        ("data.csv", None, "name the target"),
    ],
)
def test_unusable_sources_are_rejected(tmp_path: Path, name: str, target: str | None, message: str) -> None:
    (tmp_path / "data.xlsx").write_text("x")
    (tmp_path / "data.csv").write_text("a,label\n1,2\n")
    with pytest.raises(Failure, match=message):
        load_dataset(str(tmp_path / name), target)


def test_excluding_a_column_that_is_not_there_is_reported(penguins_csv: Path) -> None:
    with pytest.raises(Failure, match="column 'id' not found"):
        load_dataset(str(penguins_csv), "species", exclude=["id"])


def test_fingerprint_identifies_the_data() -> None:
    wine = load_dataset("wine")
    assert fingerprint(wine) == fingerprint(load_dataset("wine"))
    assert fingerprint(wine) != fingerprint(load_dataset("breast_cancer"))


def test_numeric_data_keeps_the_fingerprint_it_had_before_categories_existed() -> None:
    expected = "6c3153c37d5734d8d62033b1a23aaba68b7fb4e4fc8dcf9aedd36fe838feeda8"
    assert fingerprint(load_dataset("wine")) == expected


def test_fingerprint_covers_the_categories(penguins_csv: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(penguins_csv)
    frame.loc[0, "island"] = "Dream" if frame.loc[0, "island"] != "Dream" else "Biscoe"
    frame.to_csv(tmp_path / "changed.csv", index=False)
    original = fingerprint(load_dataset(str(penguins_csv), "species"))
    assert original != fingerprint(load_dataset(str(tmp_path / "changed.csv"), "species"))


def test_class_too_rare_to_split_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    user_frame(rows=10).drop(columns=["price"]).assign(label=["a"] * 9 + ["b"]).to_csv(path, index=False)
    dataset = load_dataset(str(path), "label")
    with pytest.raises(Failure, match=r"class 'b' of target 'label' has 1 row; .* fix or drop it"):
        split_dataset(dataset, 0.25, seed=0)


def test_a_target_of_numbers_with_a_stray_value_is_named(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    prices = [str(round(value, 2)) for value in user_frame()["price"]]
    prices[17] = "ask"
    user_frame().assign(price=prices).drop(columns=["label"]).to_csv(path, index=False)
    dataset = load_dataset(str(path), "price")
    assert dataset.task == "multiclass"
    assert any(
        "target column 'price' holds 1 value(s) that are not numbers, first 'ask' in row 18" in line
        for line in dataset.warnings
    )
    with pytest.raises(Failure, match=r"'price' holds 'ask' in row 18: fix or drop such rows"):
        load_dataset(str(path), "price", task="regression")
