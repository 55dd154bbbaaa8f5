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
    ],
)
def test_a_label_names_its_class_by_name_or_by_value(
    classes: list[str], label: object, index: int | None
) -> None:
    assert LabelTable(classes).index(label) == index


def test_long_text_is_no_number() -> None:
    assert LabelTable(["1"]).index("1" + " " * 100) is None
