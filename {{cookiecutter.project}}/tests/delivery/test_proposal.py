"""`propose`: model.lock pinned to the registry's candidate, on a branch of its own on main's newest commit
pushed to the remote, with the pull request's text; main and the working tree untouched; nothing when
main's lock already pins it, a newer version or the same model file, whatever commit is checked out."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package }} import registry as models
from {{ cookiecutter.package }}.delivery.proposal import (
    Nothing,
    Proposal,
    check_main_head,
    propose,
)
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.lock import ModelLock, read_lock, render_lock
from {{ cookiecutter.package }}.manifest import project_name

from .. import PROJECT_DIR
from ..repos import bare_remote, clone, git
from ..stores import Stores
from ..training import register_candidate, training_pod

if TYPE_CHECKING:
    from mlflow import MlflowClient

# The registered model: the project, as train names it.
NAME = project_name()
SCRIPT = PROJECT_DIR / "scripts" / "open-pull-request.sh"
# GitHub's CLI as the script calls it: records its arguments; `pr list` answers the pull requests in
# $OPEN_PRS (JSON, as `--json` lists them) through the script's own --jq filter, with jq (gh runs gojq).
FAKE_GH = """#!/bin/sh
echo "$@" >> "$GH_LOG"
[ "$2" = list ] || exit 0
while [ $# -gt 0 ]; do [ "$1" = --jq ] && filter="$2"; shift; done
echo "${OPEN_PRS:-[]}" | jq -r "$filter"
"""


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


@dataclass(frozen=True)
class Retrain:
    """What `propose` works with: the CI clone, its remote, the registry, and the lock of its candidate."""

    repo: Path
    remote: Path
    client: "MlflowClient"
    lock: ModelLock

    def propose(self, wait_s: float = 0.0) -> Proposal | Nothing:
        return propose(self.repo, self.client, NAME, wait_s)


@pytest.fixture
def retrain(candidate: tuple[Stores, ModelLock], repo: Path) -> Retrain:
    stores, lock = candidate
    return Retrain(repo, repo.parent / "remote.git", models.connect(stores.tracking), lock)


@contextmanager
def aliased(client: "MlflowClient", alias: str, version: str, back_to: str | None) -> Iterator[None]:
    """`alias` on `version` for the duration; then back on `back_to`, or removed when that is None."""
    client.set_registered_model_alias(NAME, alias, version)
    try:
        yield
    finally:
        if back_to is None:
            client.delete_registered_model_alias(NAME, alias)
        else:
            client.set_registered_model_alias(NAME, alias, back_to)


def merge_to_main(repo: Path, lock: ModelLock) -> str:
    """model.lock pinning `lock`, committed and pushed to main as a merged proposal; the commit."""
    (repo / "model.lock").write_text(render_lock(lock))
    git(repo, "add", "model.lock")
    git(repo, "commit", "--quiet", "-m", f"pin version {lock.version}")
    git(repo, "push", "--quiet", "origin", "HEAD:main")
    return git(repo, "rev-parse", "HEAD")


def proposed(outcome: Proposal | Nothing) -> Proposal:
    assert isinstance(outcome, Proposal), outcome
    return outcome


@pytest.mark.cluster
def test_propose_pushes_model_lock_on_its_own_branch_and_leaves_main_alone(retrain: Retrain) -> None:
    repo, remote, lock = retrain.repo, retrain.remote, retrain.lock
    main = git(repo, "rev-parse", "HEAD")
    proposal = proposed(retrain.propose())
    assert proposal.lock == lock
    assert proposal.branch == f"retrain/{NAME}-v{lock.version}"
    assert git(remote, "rev-parse", "main") == main
    assert git(remote, "rev-parse", f"{proposal.branch}^") == main
    assert git(remote, "diff", "--name-only", "main", proposal.branch) == "model.lock"
    assert git(remote, "show", f"{proposal.branch}:model.lock") == render_lock(lock).strip()
    assert not (repo / "model.lock").exists()
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.cluster
def test_the_pull_request_puts_the_candidate_beside_production(retrain: Retrain) -> None:
    lock = retrain.lock
    with aliased(retrain.client, "production", lock.version, back_to=None):
        proposal = proposed(retrain.propose())
    assert (
        f"| metric | version {lock.version} (candidate) | version {lock.version} (production) | change |"
        in proposal.body
    )
    assert "| balanced_accuracy | " in proposal.body or "| r2 | " in proposal.body
    assert "+0.0000 |" in proposal.body
    assert f"# Model card: {NAME}" in proposal.body


@pytest.mark.cluster
def test_a_lock_that_already_pins_the_candidate_proposes_nothing(retrain: Retrain) -> None:
    merge_to_main(retrain.repo, retrain.lock)
    assert isinstance(retrain.propose(wait_s=0.0), Nothing)
    assert read_lock(retrain.repo / "model.lock") == retrain.lock


@pytest.mark.cluster
def test_a_re_run_on_an_old_commit_reads_main_s_lock_and_proposes_nothing_older(retrain: Retrain) -> None:
    """A re-run checks out the commit of its first run, whose model.lock is older than main's: main, fetched
    afresh, pins a newer version than the candidate, so there is nothing to propose (issue 22, attack M4)."""
    repo = retrain.repo
    old = git(repo, "rev-parse", "HEAD")
    newer = retrain.lock.model_copy(update={"version": str(int(retrain.lock.version) + 1)})
    merge_to_main(repo, newer)
    git(repo, "checkout", "--quiet", old)
    outcome = retrain.propose()
    assert isinstance(outcome, Nothing)
    assert "newer than the one main's model.lock pins" in outcome.reason
    assert git(retrain.remote, "branch", "--list", "retrain/*") == ""


@pytest.mark.cluster
def test_a_proposal_made_from_an_old_checkout_is_built_on_main_s_newest_commit(retrain: Retrain) -> None:
    repo, remote = retrain.repo, retrain.remote
    old = git(repo, "rev-parse", "HEAD")
    (repo / "NEWS.md").write_text("merged after the run started\n")
    git(repo, "add", "NEWS.md")
    git(repo, "commit", "--quiet", "-m", "a later merge")
    git(repo, "push", "--quiet", "origin", "HEAD:main")
    tip = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "--quiet", old)
    proposal = proposed(retrain.propose())
    assert git(remote, "rev-parse", f"{proposal.branch}^") == tip
    assert git(remote, "diff", "--name-only", "main", proposal.branch) == "model.lock"


@pytest.mark.cluster
def test_a_new_version_of_the_same_model_file_proposes_nothing(retrain: Retrain) -> None:
    """A weekly retrain on unchanged data registers the same bytes again: no pull request for it."""
    client, lock = retrain.client, retrain.lock
    merge_to_main(retrain.repo, lock)
    again = client.create_model_version(
        NAME, f"runs:/{lock.run_id}/model", lock.run_id, tags={"onnx_sha256": lock.sha256}
    )
    with aliased(client, models.CANDIDATE_ALIAS, again.version, back_to=lock.version):
        outcome = retrain.propose()
    assert outcome == Nothing(
        f"version {again.version} is byte for byte the model main's model.lock pins (version {lock.version})",
        unchanged=True,
    )


def test_a_retrain_runs_on_main_s_newest_commit_only(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert check_main_head(repo) == head
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "a later merge")
    git(repo, "push", "--quiet", "origin", "HEAD:main")
    git(repo, "checkout", "--quiet", head)
    with pytest.raises(Failure, match=f"{head[:12]} is an older commit of main, and main is at") as refused:
        check_main_head(repo)
    assert refused.value.exit_code == 1
    git(repo, "checkout", "--quiet", "--orphan", "elsewhere")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "off main")
    with pytest.raises(Failure, match="is not on main's history"):
        check_main_head(repo)


@pytest.mark.cluster
def test_a_candidate_without_a_passed_gate_is_refused(retrain: Retrain) -> None:
    """The alias is only ever set after a pass; a version aliased by hand still cannot be pinned."""
    client = retrain.client
    experiment = models.ensure_experiment(client, NAME)
    run = client.create_run(experiment, tags={"gate": "failed"}).info.run_id
    version = client.create_model_version(NAME, f"runs:/{run}/model", run, tags={"onnx_sha256": "c" * 64})
    with (
        aliased(client, models.CANDIDATE_ALIAS, version.version, back_to=retrain.lock.version),
        pytest.raises(Failure, match=f"version {version.version} has no passed gate and sha256 on record"),
    ):
        retrain.propose()


def run_script(tmp_path: Path, proposal: dict[str, str], open_prs: str = "[]") -> list[str]:
    (tmp_path / "bin").mkdir(parents=True, exist_ok=True)
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
        "OPEN_PRS": open_prs,
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
    output = run_script(tmp_path, PROPOSAL, open_prs='[{"number": 12, "isCrossRepository": false}]')
    assert output[0] == "open-pull-request: updated #12 for retrain/ml-service-v3"
    assert output[-1].startswith("pr edit 12 --title Retrained model: ml-service version 3")


def test_a_fork_s_pull_request_from_a_branch_of_the_same_name_is_never_updated(tmp_path: Path) -> None:
    """`gh pr list --head` matches the branch name in forks too (cli/cli#10945): the version numbers are
    predictable, so a fork could open retrain/<name>-v<N+1> first and get the bot's title and body."""
    fork, ours = '{"number": 9, "isCrossRepository": true}', '{"number": 12, "isCrossRepository": false}'
    output = run_script(tmp_path, PROPOSAL, open_prs=f"[{fork}]")
    assert output[-1].startswith("pr create --head retrain/ml-service-v3")
    assert not any(line.startswith("pr edit") for line in output)
    output = run_script(tmp_path / "both", PROPOSAL, open_prs=f"[{fork}, {ours}]")
    assert output[-1].startswith("pr edit 12 ")


def test_no_proposal_opens_no_pull_request(tmp_path: Path) -> None:
    assert run_script(tmp_path, {}) == ["open-pull-request: nothing proposed"]
