"""The gate's checks read alike in the console's table and in the model card's."""

import pytest

from {{ cookiecutter.package }}.manifest import CheckKind, GateCheck
from {{ cookiecutter.package }}.model.checks import (
    check_row,
    format_table,
    markdown_table,
    plain,
)

CHECKS = [
    GateCheck(kind=CheckKind.VS_BASELINE, metric="f1", value=0.91234, threshold=">= 0.5", passed=True),
    GateCheck(kind=CheckKind.ONNX_SHA256, value=None, threshold="matches manifest", passed=False),
]


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.973712, "0.9737"), (52.1234, "52.12"), (0.0000123, "0.0000123"), (123456.7, "123,457"), (2.0, "2")],
)
def test_numbers_read_as_people_write_them(value: float, text: str) -> None:
    assert plain(value) == text


def test_a_check_reads_as_its_label_value_threshold_and_verdict() -> None:
    assert check_row(CHECKS[0]) == ("f1 vs baseline", "0.9123", ">= 0.5", "PASS")
    assert check_row(CHECKS[1]) == ("onnx sha256", "-", "matches manifest", "FAIL")


def test_the_console_table_aligns_the_rows() -> None:
    header, rule, passed, failed = format_table(CHECKS).splitlines()
    assert header.split() == ["check", "value", "threshold", "result"]
    assert set(rule) == {"-", " "}
    assert header.index("value") == passed.index("0.9123") == failed.index("-")
    assert header.index("result") == passed.index("PASS") == failed.index("FAIL")


def test_the_markdown_table_has_the_same_cells() -> None:
    lines = markdown_table(CHECKS).splitlines()
    assert lines[:2] == ["| check | value | threshold | result |", "|---|---|---|---|"]
    assert lines[2:] == [f"| {' | '.join(check_row(check))} |" for check in CHECKS]
