"""Parametrize the template tests over the combinations and invalid answers of tests/baking.py."""

import pytest
from baking import COMBINATIONS, FIGURES, INVALID, combination_id


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "combination" in metafunc.fixturenames:
        metafunc.parametrize("combination", COMBINATIONS, ids=combination_id)
    if "invalid" in metafunc.fixturenames:
        metafunc.parametrize("invalid", INVALID, ids=[combination_id(case.answers) for case in INVALID])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
