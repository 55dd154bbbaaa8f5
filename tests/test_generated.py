"""The template's main test: a freshly baked project passes its own `make install check test`."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
from baking import TYPED_TEXT, bake, combination_id, project_env

# Four bakes that between them cover every task, estimator family and Python version, a model with
# categorical features and missing values (penguins), and free text that the package metadata,
# hadolint and the Kubernetes schemas must all take as typed.
GENERATED_COMBINATIONS: list[dict[str, Any]] = [
    {},
    {
        "dataset": "wine",
        "estimator": "random_forest",
        "python_version": "3.12",
        "include_preview": False,
        **TYPED_TEXT,
    },
    {"dataset": "diabetes", "estimator": "gradient_boosting", "python_version": "3.11"},
    {"dataset": "penguins", "estimator": "gradient_boosting"},
]


@pytest.mark.slow
@pytest.mark.parametrize("answers", GENERATED_COMBINATIONS, ids=combination_id)
def test_baked_project_passes_its_own_checks_and_tests(tmp_path: Path, answers: dict[str, Any]) -> None:
    project = bake(tmp_path, **answers)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    result = subprocess.run(
        ["make", "install", "check", "test"],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-4000:]
