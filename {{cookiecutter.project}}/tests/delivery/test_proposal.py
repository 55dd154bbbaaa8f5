"""`propose`: model.lock pinned to the registry's candidate, on a branch of its own pushed to the remote,
with the pull request's text; main and the working tree untouched; nothing when there is nothing new."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.package }} import registry as models
from {{ cookiecutter.package }}.delivery.proposal import propose
from {{ cookiecutter.package }}.errors import CliError
from {{ cookiecutter.package }}.lock import ModelLock, read_lock, render_lock
from {{ cookiecutter.package }}.manifest import project_name

from .. import PROJECT_DIR
from ..stores import Stores
from ..training import register_candidate, training_pod
from .repos import bare_remote, clone, git

# The registered model: the project, as train names it.
NAME = project_name()
SCRIPT = PROJECT_DIR / "scripts" / "open-pull-request.sh"
# GitHub's CLI as the script calls it: records its arguments; `pr list` answers $OPEN_PR.
FAKE_GH = '#!/bin/sh\necho "$@" >> "$GH_LOG"\n[ "$2" = list ] && echo "$OPEN_PR"\nexit 0\n'


@pytest.fixture(scope="module")
def candidate(
    registry: Stores, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stores, ModelLock]]:
    with training_pod(registry):
        yield registry, register_candidate(registry, tmp_path_factory.mktemp("candidate"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "README.md").write_text("the project\n")
    return clone(bare_remote(seed, tmp_path / "remote.git"), tmp_path / "ci")


@pytest.mark.cluster
def test_propose_pushes_model_lock_on_its_own_branch_and_leaves_main_alone(
    candidate: tuple[Stores, ModelLock], repo: Path
) -> None:
    stores, lock = candidate
    main = git(repo, "rev-parse", "HEAD")
    proposal = propose(repo, models.connect(stores.tracking), NAME)
    assert proposal is not None
    assert proposal.lock == lock
    assert proposal.branch == f"retrain/{NAME}-v{lock.version}"
    remote = repo.parent / "remote.git"
    assert git(remote, "rev-parse", "main") == main
    assert git(remote, "rev-parse", f"{proposal.branch}^") == main
    assert git(remote, "diff", "--name-only", "main", proposal.branch) == "model.lock"
    assert git(remote, "show", f"{proposal.branch}:model.lock") == render_lock(lock).strip()
    assert not (repo / "model.lock").exists()
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.cluster
def test_the_pull_request_puts_the_candidate_beside_production(
    candidate: tuple[Stores, ModelLock], repo: Path
) -> None:
    stores, lock = candidate
    client = models.connect(stores.tracking)
    client.set_registered_model_alias(NAME, "production", lock.version)
    try:
        proposal = propose(repo, client, NAME)
    finally:
        client.delete_registered_model_alias(NAME, "production")
    assert proposal is not None
    assert (
        f"| metric | version {lock.version} (candidate) | version {lock.version} (production) | change |"
        in proposal.body
    )
    assert "| balanced_accuracy | " in proposal.body or "| r2 | " in proposal.body
    assert "+0.0000 |" in proposal.body
    assert f"# Model card: {NAME}" in proposal.body


@pytest.mark.cluster
def test_a_lock_that_already_pins_the_candidate_proposes_nothing(
    candidate: tuple[Stores, ModelLock], repo: Path
) -> None:
    stores, lock = candidate
    (repo / "model.lock").write_text(render_lock(lock))
    git(repo, "add", "model.lock")
    git(repo, "commit", "--quiet", "-m", "merge the proposal")
    assert propose(repo, models.connect(stores.tracking), NAME, wait_s=0.0) is None
    assert read_lock(repo / "model.lock") == lock


@pytest.mark.cluster
def test_a_candidate_without_a_passed_gate_is_refused(
    candidate: tuple[Stores, ModelLock], repo: Path
) -> None:
    """The alias is only ever set after a pass; a version aliased by hand still cannot be pinned."""
    stores, lock = candidate
    client = models.connect(stores.tracking)
    experiment = models.ensure_experiment(client, NAME)
    run = client.create_run(experiment, tags={"gate": "failed"}).info.run_id
    version = client.create_model_version(NAME, f"runs:/{run}/model", run, tags={"onnx_sha256": "c" * 64})
    client.set_registered_model_alias(NAME, models.CANDIDATE_ALIAS, version.version)
    try:
        with pytest.raises(
            CliError, match=f"version {version.version} has no passed gate and sha256 on record"
        ):
            propose(repo, client, NAME)
    finally:
        client.set_registered_model_alias(NAME, models.CANDIDATE_ALIAS, lock.version)


def run_script(tmp_path: Path, proposal: dict[str, str], open_pr: str = "") -> list[str]:
    (tmp_path / "bin").mkdir(exist_ok=True)
    (tmp_path / "bin" / "gh").write_text(FAKE_GH)
    (tmp_path / "bin" / "gh").chmod(0o755)
    directory = tmp_path / "proposal"
    directory.mkdir(exist_ok=True)
    for name, text in proposal.items():
        (directory / name).write_text(text)
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "GH_LOG": str(tmp_path / "gh.log"),
        "OPEN_PR": open_pr,
    }
    result = subprocess.run(
        [str(SCRIPT), str(directory)], env=env, capture_output=True, text=True, check=True
    )
    log = tmp_path / "gh.log"
    return [result.stdout.strip(), *(log.read_text().splitlines() if log.exists() else [])]


PROPOSAL = {
    "branch": "retrain/ml-service-v3\n",
    "title": "Retrained model: ml-service version 3\n",
    "body.md": "x",
}


def test_the_pull_request_is_opened_for_the_proposal_s_branch(tmp_path: Path) -> None:
    output = run_script(tmp_path, PROPOSAL)
    assert output[-1].startswith(
        "pr create --head retrain/ml-service-v3 --title Retrained model: ml-service version 3"
    )


def test_an_open_pull_request_for_the_branch_is_updated_not_doubled(tmp_path: Path) -> None:
    output = run_script(tmp_path, PROPOSAL, open_pr="12")
    assert output[0] == "open-pull-request: updated #12 for retrain/ml-service-v3"
    assert output[-1].startswith("pr edit 12 --title Retrained model: ml-service version 3")


def test_no_proposal_opens_no_pull_request(tmp_path: Path) -> None:
    assert run_script(tmp_path, {}) == ["open-pull-request: nothing proposed"]
