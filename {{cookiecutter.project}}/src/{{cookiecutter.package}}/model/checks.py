"""The gate's checks as people read them: one row per check, laid out for the console or the model card."""

import numpy as np

from ..manifest import GateCheck

CHECK_COLUMNS = ("check", "value", "threshold", "result")


def plain(value: float) -> str:
    """A number as people write it: 0.9737, 52.12, 0.000012, 123,457; never 1.2e+05."""
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return str(np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-"))


def check_row(check: GateCheck) -> tuple[str, str, str, str]:
    """A check as text, in CHECK_COLUMNS: the one rendering of a check, whatever table shows it."""
    value = "-" if check.value is None else plain(check.value)
    return check.name, value, check.threshold, "PASS" if check.passed else "FAIL"


def format_table(checks: list[GateCheck]) -> str:
    """The checks as a table of aligned columns, for a terminal."""
    rows = [CHECK_COLUMNS, *map(check_row, checks)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(CHECK_COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(checks: list[GateCheck]) -> str:
    """The checks as a Markdown table, for the model card."""
    rows = [CHECK_COLUMNS, *map(check_row, checks)]
    lines = [f"| {' | '.join(row)} |" for row in rows]
    lines.insert(1, "|" + "---|" * len(CHECK_COLUMNS))
    return "\n".join(lines)
