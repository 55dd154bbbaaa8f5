"""Labels: a class matches by its name, and by any spelling of the number or boolean the name is."""

import pytest

from {{ cookiecutter.package }}.labels import LabelTable


@pytest.mark.parametrize(
    ("classes", "label", "index"),
    [
        (["benign", "malignant"], "malignant", 1),
        (["benign", "malignant"], "Malignant", None),
        (["0", "1", "2"], 2, 2),
        (["0", "1", "2"], 2.0, 2),
        (["0", "1", "2"], "2.0", 2),
        (["0", "1", "2"], " 1 ", 1),
        (["0", "1", "2"], 2.5, None),
        (["0.0", "1.0"], 1, 1),
        (["0.5", "1.5"], "1.5", 1),
        (["False", "True"], True, 1),
        (["False", "True"], "false", 0),
        (["False", "True"], 1, None),
        (["1", "1.0"], "1.0", 1),
        (["1", "1.0"], 1, None),
        (["a", "b"], None, None),
        (["a", "b"], ["a"], None),
        (["0", "1"], float("nan"), None),
        (["10", "cat"], "1_0", None),
        (["1", "cat"], "\u0661", None),
        (["3", "cat"], "\uff13", None),
        (["9007199254740993", "x"], 9007199254740993, 0),
        (["9007199254740993", "x"], 9007199254740992, None),
        (["9007199254740993", "x"], "9007199254740992", None),
        (["300000000", "x"], "3e8", 0),
        (["0", "x"], "1e-400", None),
        (["0", "x"], "-0.0", 0),
    ],
)
def test_a_label_names_its_class_by_name_or_by_value(
    classes: list[str], label: object, index: int | None
) -> None:
    assert LabelTable(classes).index(label) == index


def test_long_text_is_no_number() -> None:
    assert LabelTable(["1"]).index("1" + " " * 100) is None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (["1_0", "cat"], ["10", "cat"]),
        (["\u0661", "x"], ["1", "x"]),
        (["9007199254740993"], ["9007199254740992"]),
    ],
    ids=["underscore", "arabic-indic-digit", "past-2**53"],
)
def test_only_ascii_decimals_are_numbers_so_other_names_stay_other_classes(
    first: list[str], second: list[str]
) -> None:
    """float() reads "1_0" as 10 and "\u0661" as 1, and rounds integers past 2**53: none may merge classes."""
    assert LabelTable(first).digests[0] != LabelTable(second).digests[0]
    assert LabelTable(first).set_digest() != LabelTable(second).set_digest()
