"""The template's main test: a freshly baked project passes its own `make install check test`."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
from baking import TYPED_TEXT, bake, combination_id, project_env
from userdata import USER_DATA, UserData

# Three bakes that, with the user-data bakes below, cover every task, estimator family and Python
# version, both ways in for traffic (Gateway API by default, an Ingress for wine), a model with
# categorical features and missing values (penguins), and free text that the package metadata,
# hadolint and the Kubernetes schemas must all take as typed.
GENERATED_COMBINATIONS: list[dict[str, Any]] = [
    {},
    {
        "dataset": "wine",
        "estimator": "random_forest",
        "python_version": "3.12",
        "traffic": "ingress",
        "include_preview": False,
        **TYPED_TEXT,
    },
    {"dataset": "penguins", "estimator": "gradient_boosting"},
]
# Bakes that also run `make test-cluster` (the training path against moto and `mlflow server`) and
# `make test-live` (an A/B experiment against a real Prometheus), about a minute and a half each: the
# default binary model here; a regression and a categorical one among the user-data bakes.
WITH_CLUSTER_TESTS = [0]


def make(project: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    """`make TARGETS` in a baked project, as its user would run it: output captured, never raising."""
    return subprocess.run(
        ["make", *targets],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1500,
    )


@pytest.mark.slow
@pytest.mark.parametrize("answers", GENERATED_COMBINATIONS, ids=combination_id)
def test_baked_project_passes_its_own_checks_and_tests(tmp_path: Path, answers: dict[str, Any]) -> None:
    project = bake(tmp_path, **answers)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    with_cluster = GENERATED_COMBINATIONS.index(answers) in WITH_CLUSTER_TESTS
    cluster = ["test-cluster", "test-live"] if with_cluster else []
    result = make(project, "install", "check", "test", *cluster)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-4000:]


@pytest.mark.slow
@pytest.mark.parametrize("case", USER_DATA, ids=lambda case: case.name)
def test_a_project_pointed_at_user_data_passes_its_own_checks_and_tests(
    tmp_path: Path, case: UserData
) -> None:
    """Retargeted to a file of another task, as the README says, the project stays green, and its first
    `make model` says where the gate's numbers come from."""
    project = bake(tmp_path, **case.answers)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    case.write(project)
    # A bake with the default answers lints the very code the default bake above does.
    installed = make(project, "install", *(["check"] if case.answers else []))
    assert installed.returncode == 0, installed.stdout[-4000:] + installed.stderr[-4000:]
    if case.parquet:
        convert = f"import pandas as pd; pd.read_csv('data/{case.name}.csv').to_parquet('{case.file}')"
        subprocess.run(
            ["uv", "run", "--frozen", "python", "-c", convert], cwd=project, env=project_env(), check=True
        )
        (project / "data" / f"{case.name}.csv").unlink()
    cluster = ["test-cluster", "test-live"] if case.cluster else []
    result = make(project, "test", *cluster, "train", "export", "validate")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-4000:]
    assert "gate: beat the baseline" in result.stdout
    assert "accepted into artifacts/" in result.stdout
    # The very file the model was trained on scores as it is (int64 codes in Parquet, text in CSV).
    keep = [f"KEEP={' '.join(case.keep)}"] if case.keep else []
    scored = make(project, "score", f"INPUT={case.file}", "OUTPUT=build/scores.parquet", *keep)
    assert scored.returncode == 0, scored.stdout[-3000:] + scored.stderr[-3000:]
    assert f"scored {case.row_count} rows" in scored.stdout
