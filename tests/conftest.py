"""Shared lists for the template tests: the combinations we bake and the answers we must refuse."""

from typing import Any, NamedTuple

import pytest
from baking import FIGURES

# Answers over the defaults of cookiecutter.json: every option value at least once,
# plus the pairs that interact (task x estimator, preview off).
COMBINATIONS: list[dict[str, Any]] = [
    {},
    {"dataset": "wine", "estimator": "random_forest", "python_version": "3.12", "include_preview": False},
    {"dataset": "diabetes", "estimator": "gradient_boosting", "python_version": "3.11"},
    {"dataset": "diabetes", "estimator": "linear"},
    {
        "dataset": "breast_cancer",
        "estimator": "gradient_boosting",
        "project": "fraud-scorer",
        "package": "fraud",
    },
    {
        "dataset": "wine",
        "estimator": "linear",
        "github_owner": "Data-Team-42",
        "staging_host": "a.b.example.org",
    },
    {"dataset": "breast_cancer", "estimator": "random_forest", "python_version": "3.11"},
]


class Invalid(NamedTuple):
    answers: dict[str, Any]
    message: str


# Each entry must stop generation with `message` on stderr and leave no output directory.
INVALID: list[Invalid] = [
    Invalid({"project": "My Project"}, "invalid project='My Project': must be lowercase letters"),
    Invalid({"project": "9lives"}, "invalid project='9lives': must be lowercase letters"),
    Invalid({"project": "ends-with-"}, "invalid project='ends-with-'"),
    Invalid({"project": "a" * 41}, "must be at most 40 characters"),
    Invalid({"package": "my-package"}, "invalid package='my-package': must be a lowercase Python identifier"),
    Invalid({"package": "class"}, "invalid package='class'"),
    Invalid({"package": "json"}, "invalid package='json': must not shadow a standard-library module"),
    Invalid({"description": 'say "hi"'}, "invalid description='say \"hi\"': must be one line"),
    Invalid({"author": " "}, "invalid author=' ': must not be empty"),
    Invalid({"github_owner": "-org"}, "invalid github_owner='-org': must be a GitHub user"),
    Invalid({"github_owner": "o" * 40}, "invalid github_owner="),
    Invalid({"staging_host": "localhost"}, "invalid staging_host='localhost': must be a lowercase DNS name"),
    Invalid({"staging_host": "Bad_Host.example.com"}, "invalid staging_host='Bad_Host.example.com'"),
    Invalid(
        {"staging_host": "same.example.com", "production_host": "same.example.com"},
        "invalid production_host='same.example.com': must differ from staging_host",
    ),
    Invalid({"python_version": "3.9"}, "python_version"),
    Invalid({"dataset": "mnist"}, "dataset"),
    Invalid({"estimator": "svm"}, "estimator"),
    Invalid({"include_preview": "maybe"}, "include_preview"),
]


def combination_id(answers: dict[str, Any]) -> str:
    return ",".join(f"{key}={value}" for key, value in answers.items()) or "defaults"


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
