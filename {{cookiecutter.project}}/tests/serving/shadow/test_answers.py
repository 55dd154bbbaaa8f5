"""Reading the labels or values out of an answer, and when two answers agree."""

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package }}.labels import LabelTable
from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.shadow.answers import (
    StableDocument,
    agree,
    by_class,
    incomparable,
    read_answer,
    read_model,
)

JSON = "application/json"


def body(document: object) -> bytes:
    return orjson.dumps(document)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"label": "a", "probabilities": {"a": 0.9, "b": 0.1}}, ("class", ["a"])),
        ({"predictions": [{"label": "a"}, {"label": "b"}]}, ("class", ["a", "b"])),
        ({"value": 2.5}, ("value", [2.5])),
        ({"predictions": [{"value": 1}, {"value": 2.5}]}, ("value", [1, 2.5])),
        ({"outputs": [{"name": "label", "data": [1, 0]}, {"name": "probabilities"}]}, ("class", [1, 0])),
        ({"outputs": [{"name": "variable", "data": [3.5]}]}, ("value", [3.5])),
    ],
    ids=["predict-one", "predict-batch", "value-one", "value-batch", "oip-label", "oip-variable"],
)
def test_read_answer_finds_the_labels_or_values(document: object, expected: tuple[str, list[object]]) -> None:
    assert read_answer(body(document), JSON) == expected


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (body({"outputs": [{"name": "probabilities", "data": [0.2, 0.8]}]}), JSON),
        (body({"label": "a"}), "application/octet-stream"),
        (body({"value": True}), JSON),
        (body({"error": "model not ready"}), JSON),
        (body([1, 2]), JSON),
        (b"{not json", JSON),
        (body({"label": "a"}), None),
    ],
    ids=["probabilities-only", "binary", "boolean-value", "error", "list", "not-json", "no-type"],
)
def test_read_answer_is_none_for_what_says_no_label_or_value(
    content: bytes, content_type: str | None
) -> None:
    assert read_answer(content, content_type) is None


# No deadline: a loaded test machine's first example may take longer than hypothesis's 200 ms.
@settings(deadline=None)
@given(st.binary(max_size=200))
def test_read_answer_never_raises_on_any_bytes(content: bytes) -> None:
    answer = read_answer(content, JSON)
    assert answer is None or answer[0] in ("class", "value")


KEYS = st.sampled_from(["label", "value", "predictions", "outputs", "name", "data"])
SCALARS = st.none() | st.booleans() | st.floats() | st.text(max_size=3)
# Documents shaped like answers, two levels deep: where a reader of answers could trip.
DOCUMENTS = st.dictionaries(
    KEYS,
    SCALARS
    | st.lists(st.dictionaries(KEYS, SCALARS | st.lists(SCALARS, max_size=2), max_size=2), max_size=2),
    max_size=3,
)


@settings(deadline=None)
@given(DOCUMENTS)
@example({"outputs": [{"name": ["label"], "data": [1]}]})
def test_read_answer_never_raises_on_any_json(document: object) -> None:
    answer = read_answer(body(document), JSON)
    assert answer is None or answer[0] in ("class", "value")


def test_agreement_counts_the_rows_that_agree() -> None:
    assert agree(("class", ["a", "b"]), ("class", ["a", "b"]), 0.0) == 2
    assert agree(("class", ["a", "b", "c"]), ("class", ["a", "a", "c"]), 0.0) == 2
    assert agree(("class", ["a"]), ("class", ["b"]), 0.0) == 0


def test_values_agree_within_the_tolerance_relative_to_the_larger() -> None:
    assert agree(("value", [200.0]), ("value", [219.0]), 0.1) == 1
    assert agree(("value", [200.0]), ("value", [225.0]), 0.1) == 0
    # Near zero the bar is the tolerance itself: relative to at least 1.
    assert agree(("value", [0.0]), ("value", [0.05]), 0.1) == 1
    assert agree(("value", [1.0]), ("value", [float("nan")]), 0.1) == 0


def test_answers_of_another_kind_or_length_do_not_compare() -> None:
    assert agree(("class", ["a"]), ("value", [1.0]), 0.1) is None
    assert agree(("class", ["a"]), ("class", ["a", "b"]), 0.1) is None


@pytest.mark.parametrize(
    ("labels", "known"),
    [
        (["a", "b"], True),
        ([0, 1], True),
        ([None], False),
        ([{"a": 1}], False),
        (["z"], False),
        ([2], False),
        ([-1], False),
        ([True], False),
    ],
    ids=["names", "indices", "null", "object", "unknown-name", "index-past-the-end", "negative", "boolean"],
)
def test_a_label_the_model_cannot_give_reads_as_no_class(labels: list[object], known: bool) -> None:
    assert (by_class(("class", labels), LabelTable(["a", "b"])) is not None) is known


def test_classes_compare_whatever_the_order_or_spelling_of_either_model() -> None:
    """By name from /predict, by index from OIP: "1" of one model is "1.0" of a retrain read as doubles."""
    ours, theirs = LabelTable(["0", "1"]), LabelTable(["1.0", "0.0"])
    assert by_class(("class", ["1", 0]), ours) == by_class(("class", [0, "0.0"]), theirs)
    assert by_class(("class", ["1"]), ours) != by_class(("class", ["0.0"]), theirs)


def test_values_read_as_they_are() -> None:
    assert by_class(("value", [1.0]), LabelTable([])) == ("value", [1.0])


def document_of(manifest: ModelManifest, **changes: object) -> bytes:
    return body({"onnx": {"sha256": "ab"}, "task": manifest.task, "classes": manifest.classes, **changes})


def test_read_model_reads_the_sha_task_and_classes(manifest: ModelManifest) -> None:
    assert read_model(document_of(manifest)) == StableDocument("ab", manifest.task, manifest.classes)
    assert read_model(document_of(manifest, onnx=None)) == StableDocument(
        None, manifest.task, manifest.classes
    )


@pytest.mark.parametrize(
    "content",
    [
        body([]),
        body({"onnx": {"sha256": "ab"}}),
        body({"task": 3, "classes": None}),
        body({"task": "binary", "classes": {"a": 0}}),
        body({"task": "binary", "classes": ["a", 1]}),
        b"<html>",
    ],
    ids=["list", "no-task", "task-not-text", "classes-an-object", "classes-not-text", "not-json"],
)
def test_a_malformed_model_document_is_none_never_incomparable(content: bytes) -> None:
    assert read_model(content) is None


def why_not(manifest: ModelManifest, task: str, classes: list[str] | None) -> str | None:
    """Why a stable serving a model of this task and these classes cannot be compared with `manifest`."""
    own, theirs = LabelTable(manifest.classes or []), LabelTable(classes or [])
    return incomparable(manifest, own, StableDocument("ab", task, classes), theirs)


def test_another_task_or_other_classes_make_the_models_incomparable(manifest: ModelManifest) -> None:
    assert why_not(manifest, manifest.task, manifest.classes) is None
    other_task = "regression" if manifest.task != "regression" else "binary"
    assert "task" in str(why_not(manifest, other_task, manifest.classes))
    assert "classes" in str(why_not(manifest, manifest.task, ["x", "y", "z"]))


def test_the_same_classes_in_another_order_or_spelling_compare(manifest: ModelManifest) -> None:
    classes = manifest.classes or []
    assert why_not(manifest, manifest.task, classes[::-1]) is None
    doubles = [f"{float(name)}" if name.isdigit() else name for name in classes]
    assert why_not(manifest, manifest.task, doubles) is None


def test_the_reason_names_a_few_of_many_classes(manifest: ModelManifest) -> None:
    """A stable's /model may list thousands of classes; the log line the reason becomes stays short."""
    reason = str(why_not(manifest, manifest.task, [str(index) for index in range(10_000)]))
    assert "'0', '1', '2', '3', '4' and 9995 more" in reason
    assert len(reason) < 400
