"""The README's "Train on the cluster" section, run command by command as a user would, against the real
object store and tracking server: a Parquet prefix in S3, the Job's commands as processes, the
proposal pushed to a bare repository, and the pinned model fetched back."""

import hashlib
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.lock import read_lock
from {{ cookiecutter.package }}.manifest import project_name

from . import PROJECT_DIR
from .stores import Stores
from .training import config_for, copy_project, upload_table, with_bare_remote

SECTION = "## Train on the cluster"
# GitHub's CLI, as `make propose` calls it: it records its arguments and has no open pull request.
FAKE_GH = '#!/bin/sh\necho "$@" >> "$GH_LOG"\n'


def section_commands() -> list[str]:
    """Each line of the section's shell blocks."""
    text = (PROJECT_DIR / "README.md").read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


@dataclass
class Run:
    repo: Path
    remote: Path
    outputs: dict[str, subprocess.CompletedProcess[str]]
    gh_log: Path


def picked(output: str) -> list[str]:
    return re.findall(r"^picked trial (\d+) ", output, re.MULTILINE)


@pytest.fixture(scope="module")
def readme(registry: Stores, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("readme")
    repo = copy_project(root / "repo")
    uri, target = upload_table(registry, f"readme-{uuid.uuid4().hex[:8]}/train")
    config_for(repo, uri, target)
    subprocess.run(["git", "commit", "--quiet", "--all", "-m", "data in S3"], cwd=repo, check=True)
    remote = with_bare_remote(repo, root / "remote.git")
    (root / "bin").mkdir()
    (root / "bin" / "gh").write_text(FAKE_GH)
    (root / "bin" / "gh").chmod(0o755)
    # Make runs the CLI of this environment (the recipes' `uv run` would build another one for the copy).
    cli = rf"CLI={sys.executable}\ -m\ {{ cookiecutter.package }}"
    env = registry.env(
        PATH=f"{root / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin",
        MAKEFLAGS=cli,
        GH_LOG=str(root / "gh.log"),
    )
    outputs = {}
    for command in section_commands():
        outputs[command] = subprocess.run(
            ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=900
        )
        if command.startswith("make propose") and outputs[command].returncode == 0:
            # The reviewer merges the pull request.
            branch = (repo / "build" / "proposal" / "branch").read_text().strip()
            subprocess.run(["git", "merge", "--quiet", "--ff-only", f"origin/{branch}"], cwd=repo, check=True)
    return Run(repo, remote, outputs, root / "gh.log")


# The section's commands run in the module's fixture: under a loaded runner they outlast pytest's 300 s.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1200)]


def test_every_command_of_the_section_runs(readme: Run) -> None:
    assert len(readme.outputs) >= 5
    for command, result in readme.outputs.items():
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def test_the_job_s_command_trained_on_the_parquet_prefix_and_registered_a_candidate(readme: Run) -> None:
    [retrain] = [result for command, result in readme.outputs.items() if command.startswith("make retrain")]
    assert re.search(rf"registered {re.escape(project_name())} version \d+ as @candidate", retrain.stdout)
    data = (readme.repo / "build" / "candidate" / "data.json").read_text()
    assert '"format": "parquet"' in data


def test_the_sharded_search_picks_the_trial_the_sequential_one_picks(readme: Run) -> None:
    tunes = [result.stdout for command, result in readme.outputs.items() if "make tune" in command]
    sequential, sharded = tunes
    assert len(picked(sequential)) == len(picked(sharded)) == 1
    assert picked(sequential) == picked(sharded)
    trials = tried(sharded)
    assert trials == tried(sequential)
    assert trials == list(range(len(trials)))


def tried(output: str) -> list[int]:
    """The trials a search reports, each found anywhere in a line: four shards write to one stdout, and
    a trial's line once followed another writer's unfinished one (CI: trial 5 of 8 went unseen)."""
    return sorted(int(n) for n in re.findall(r"(?<!picked )trial (\d+) [^\n]*?: validation ", output))


def test_propose_pushed_model_lock_on_its_branch_and_opened_its_pull_request(readme: Run) -> None:
    lock = read_lock(readme.repo / "model.lock")
    assert lock is not None
    branch = f"retrain/{lock.name}-v{lock.version}"
    shown = subprocess.run(
        ["git", "show", f"{branch}:model.lock"], cwd=readme.remote, capture_output=True, text=True, check=True
    )
    assert f'sha256 = "{lock.sha256}"' in shown.stdout
    changed = subprocess.run(
        ["git", "diff", "--name-only", "main", branch], cwd=readme.remote, capture_output=True, text=True
    )
    assert changed.stdout.split() == ["model.lock"]
    calls = readme.gh_log.read_text().splitlines()
    assert any(call.startswith(f"pr create --head {branch} --title Retrained model: ") for call in calls)


def test_shipped_model_is_the_pinned_one_byte_for_byte(readme: Run) -> None:
    lock = read_lock(readme.repo / "model.lock")
    assert lock is not None
    onnx = (readme.repo / "artifacts" / "model.onnx").read_bytes()
    assert hashlib.sha256(onnx).hexdigest() == lock.sha256
