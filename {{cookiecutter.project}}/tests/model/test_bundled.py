"""The starter datasets load without a download, their columns named as API fields can be."""

import numpy as np
import pytest

from {{ cookiecutter.package }}.model.bundled import identifier, load_bundled


@pytest.mark.parametrize(
    ("name", "task"), [("breast_cancer", "binary"), ("wine", "multiclass"), ("diabetes", "regression")]
)
def test_bundled_datasets_have_identifier_feature_names(name: str, task: str) -> None:
    dataset = load_bundled(name)
    assert dataset.task == task
    assert all(column.isidentifier() for column in dataset.features.numeric)
    assert dataset.features.categorical == []
    assert (dataset.features.frame.dtypes == np.float32).all()


def test_penguins_have_categories_and_no_study_year() -> None:
    dataset = load_bundled("penguins")
    assert dataset.features.categorical == ["island", "sex"]
    assert "year" not in dataset.features.frame.columns
    assert dataset.classes == ["Adelie", "Chinstrap", "Gentoo"]


@pytest.mark.parametrize(("column", "name"), [("mean radius", "mean_radius"), ("od280/od315", "od280_od315")])
def test_a_column_name_becomes_an_identifier(column: str, name: str) -> None:
    assert identifier(column) == name
