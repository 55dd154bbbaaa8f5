"""The model CI and deliver build into the image: with model.lock, only the pinned version is fetched, with
the tracking server's variables; without, `make model` trains as it always did, recording locally, with no
server needed (the quick start)."""

import os
import subprocess
from pathlib import Path

import pytest

from .. import PROJECT_DIR
from .test_workflows import load, steps

# Stands in for `python -m <package>`: prints the tracking server it sees and its arguments.
FAKE_CLI = '#!/bin/sh\necho "${MLFLOW_TRACKING_URI:-none}|$*"\n'


def shipped_model(tmp_path: Path, lock: bool) -> list[str]:
    (tmp_path / "Makefile").write_text((PROJECT_DIR / "Makefile").read_text())
    (tmp_path / "cli").write_text(FAKE_CLI)
    (tmp_path / "cli").chmod(0o755)
    if lock:
        (tmp_path / "model.lock").write_text("# pinned\n")
    env = {
        **os.environ,
        "MAKEFLAGS": f"CLI={tmp_path / 'cli'}",
        "MLFLOW_TRACKING_URI": "https://mlflow.example.com",
        "MLFLOW_TRACKING_TOKEN": "read-only",
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "shipped-model"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if "|" in line]


def test_with_model_lock_the_pinned_version_is_fetched_and_nothing_is_trained(tmp_path: Path) -> None:
    assert shipped_model(tmp_path, lock=True) == ["https://mlflow.example.com|fetch --into artifacts"]


def test_without_model_lock_the_model_is_trained_as_before_with_no_server(tmp_path: Path) -> None:
    commands = [line.split("|")[1].split()[0] for line in shipped_model(tmp_path, lock=False)]
    assert commands == ["train", "export", "validate", "card", "track"]
    assert all(line.startswith("none|") for line in shipped_model(tmp_path, lock=False))


@pytest.mark.parametrize(("workflow", "job"), [("ci", "model"), ("ci", "preview"), ("deliver", "validate")])
def test_every_job_that_makes_the_image_s_model_takes_the_pinned_one(workflow: str, job: str) -> None:
    runs = [step.get("run", "") for name, step in steps(load(workflow)) if name == job]
    assert "make shipped-model" in runs
    assert not any(run.startswith("make model") for run in runs)
