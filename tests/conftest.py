"""Parametrize the template tests over the combinations and invalid answers of tests/baking.py, and
print the figures tests measure (image sizes, build times) after the run."""

from collections.abc import Generator

import pytest
from baking import COMBINATIONS, FIGURES, INVALID, combination_id

# The figures as the reports brought them: from pytest-xdist's workers, each test report carries its own.
REPORTED: list[str] = []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "combination" in metafunc.fixturenames:
        metafunc.parametrize("combination", COMBINATIONS, ids=combination_id)
    if "invalid" in metafunc.fixturenames:
        metafunc.parametrize("invalid", INVALID, ids=[combination_id(case.answers) for case in INVALID])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    report.user_properties.extend(("figure", line) for line in FIGURES)
    FIGURES.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    REPORTED.extend(str(value) for key, value in report.user_properties if key == "figure")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORTED:
        terminalreporter.section("figures")
        for line in REPORTED:
            terminalreporter.write_line(line)
