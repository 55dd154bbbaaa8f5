"""The column codec every entry point shares: numbers as float32 with NaN for a missing value, booleans
only where training held them, categories spelled as training spelled them, strict mode refusing
unseen ones, and each refusal naming its row and feature."""

from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import (
    CATEGORICAL_INPUT,
    ONNX_INPUT,
    CategoricalFeature,
    Feature,
    FeatureSummary,
    ModelManifest,
)
from {{ cookiecutter.package }}.runtime.columns import Columns, InputError, as_values

SUMMARY = FeatureSummary(mean=0, std=1, min=-1, max=1, quantiles=[i / 10 for i in range(11)])


def model(manifest: ModelManifest, numbers: bool = True, categories: bool = True) -> ModelManifest:
    """The session's manifest with two numeric features (one of booleans) and two categorical ones."""
    features = [
        Feature(name="size", dtype="float", summary=SUMMARY),
        Feature(name="flag", dtype="boolean", summary=SUMMARY),
    ]
    categorical = [
        CategoricalFeature(name="colour", categories=["red", "blue"], shares=[0.5, 0.5]),
        CategoricalFeature(name="code", categories=["1", "2"], shares=[0.5, 0.5], dtype="integer"),
    ]
    update: dict[str, Any] = {
        "features": features if numbers else [],
        "categorical": categorical if categories else [],
    }
    return manifest.model_copy(update=update)


@pytest.fixture
def columns(manifest: ModelManifest) -> Columns:
    return Columns(model(manifest))


def test_columns_follow_the_manifest_and_its_tensors(manifest: ModelManifest) -> None:
    both = Columns(model(manifest))
    assert both.names == ["size", "flag", "colour", "code"]
    assert both.inputs == [ONNX_INPUT, CATEGORICAL_INPUT]
    assert Columns(model(manifest, categories=False)).inputs == [ONNX_INPUT]
    assert Columns(model(manifest, numbers=False)).inputs == [CATEGORICAL_INPUT]


def test_numbers_become_float32_with_nan_for_a_missing_value(columns: Columns) -> None:
    values = columns.numbers(as_values([[1.5, None], [2, True]], exact=True, rows=True))
    assert values.dtype == np.float32
    assert values[0, 0] == 1.5
    assert np.isnan(values[0, 1])
    assert values[1].tolist() == [2.0, 1.0]


def test_a_boolean_is_refused_where_training_held_numbers(columns: Columns) -> None:
    with pytest.raises(InputError) as refused:
        columns.numbers(as_values([[1.0, 0.0], [True, 0.0]], exact=True, rows=True))
    assert refused.value.name == "size"
    assert (refused.value.problem.row, refused.value.problem.column) == (1, 0)
    assert refused.value.problem.reason == "expected a number or null, got true"


def test_text_and_infinite_numbers_are_refused_with_their_row_and_feature(columns: Columns) -> None:
    with pytest.raises(InputError) as text:
        columns.numbers(as_values([[1.0, "yes"]], exact=True, rows=True))
    assert text.value.name == "flag"
    assert "expected true, false, a number or null" in text.value.problem.reason
    with pytest.raises(InputError) as huge:
        columns.numbers(np.array([[1.0, 0.0], [1e39, 0.0]]))
    assert (huge.value.name, huge.value.problem.row) == ("size", 1)
    assert huge.value.problem.reason.startswith("expected a finite number within ±3.4e+38")


def test_check_numbers_reports_the_first_bad_value_of_every_bad_row(columns: Columns) -> None:
    _, problems = columns.check_numbers(np.array([[1e39, 1e39], [0.0, 0.0], [0.0, -1e39]]))
    assert [(problem.row, problem.column) for problem in problems] == [(0, 0), (2, 1)]


def test_categories_are_spelled_as_training_spelled_them(columns: Columns) -> None:
    strings = columns.strings(as_values([["red", 2.0], [None, "1"]], exact=True, rows=True))
    assert strings.tolist() == [["red", "2"], ["", "1"]]


def test_unseen_categories_pass_unless_strict(manifest: ModelManifest) -> None:
    values = as_values([["red", 1], ["green", 2]], exact=True, rows=True)
    lenient = Columns(model(manifest))
    strings = lenient.strings(values)
    assert lenient.has_unseen(strings)
    assert lenient.unseen(strings).tolist() == [[False, False], [True, False]]
    with pytest.raises(InputError) as refused:
        Columns(model(manifest), strict=True).strings(values)
    assert (refused.value.name, refused.value.problem.row) == ("colour", 1)
    assert "'green' is not a category training saw" in refused.value.problem.reason


def test_the_feed_holds_only_the_tensors_the_model_has(manifest: ModelManifest) -> None:
    numbers = np.zeros((1, 2), dtype=np.float32)
    assert list(Columns(model(manifest, categories=False)).feed(numbers, None)) == [ONNX_INPUT]
    strings = np.array([["red", "1"]], dtype=object)
    assert list(Columns(model(manifest)).feed(numbers, strings)) == [ONNX_INPUT, CATEGORICAL_INPUT]


def test_as_values_reads_plain_numbers_fast_and_anything_else_cell_by_cell() -> None:
    assert as_values([[1, 2], [3, 4]], exact=False, rows=True).dtype.kind == "i"
    ragged = as_values([[1, 2], [3]], exact=False, rows=True)
    assert ragged.dtype == object
    assert ragged[1, 0] == 3
    assert as_values([True, 1.0], exact=True).tolist() == [True, 1.0]
