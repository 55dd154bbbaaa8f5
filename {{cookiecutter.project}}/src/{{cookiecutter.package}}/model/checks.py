"""One check of the validation gate, and the table that shows a list of them."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    threshold: str
    passed: bool


def plain(value: float) -> str:
    """A number as people write it: 0.9737, 52.12, 0.000012, 123,457; never 1.2e+05."""
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return str(np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-"))


def format_table(checks: list[Check]) -> str:
    rows = [("check", "value", "threshold", "result")]
    for check in checks:
        value = "-" if check.value is None else plain(check.value)
        rows.append((check.name, value, check.threshold, "PASS" if check.passed else "FAIL"))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
