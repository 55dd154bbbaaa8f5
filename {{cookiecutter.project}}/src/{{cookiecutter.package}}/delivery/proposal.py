"""Propose a retrained model: model.lock pinned to the registry's `candidate`, committed on a branch of its
own and pushed, with the pull request's text (the model card's metrics beside production's). Merging
that pull request is the decision; nothing here touches main or an environment."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import registry
from ..errors import CliError
from ..lock import LOCK_FILE, ModelLock, read_lock, render_lock
from .comparison import pull_request_body
from .gitops import REMOTE, git, write_blob

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

POLL_S = 30.0


@dataclass(frozen=True)
class Proposal:
    lock: ModelLock
    branch: str
    commit: str
    title: str
    body: str


def newer_candidate(
    client: "MlflowClient",
    name: str,
    pinned: ModelLock | None,
    wait_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> "ModelVersion | None":
    """The `candidate` version once it is newer than the pinned one, waiting up to `wait_s` for it."""
    deadline = time.monotonic() + wait_s
    ref = registry.ModelRef(name, alias=registry.CANDIDATE_ALIAS)
    while True:
        version = registry.find_version(client, ref)
        if version is not None and (pinned is None or int(version.version) > int(pinned.version)):
            return version
        if time.monotonic() >= deadline:
            return None
        sleep(POLL_S)


def lock_of(client: "MlflowClient", name: str, version: "ModelVersion") -> ModelLock:
    """The lock for a candidate that passed its gate and carries its ONNX file's sha256."""
    sha256 = (version.tags or {}).get("onnx_sha256")
    run = client.get_run(version.run_id) if version.run_id else None
    if run is None or run.data.tags.get("gate") != "passed" or not sha256:
        raise CliError(f"{name} version {version.version} has no passed gate and sha256 on record")
    return ModelLock(name=name, version=str(version.version), sha256=sha256, run_id=str(version.run_id))


def commit_lock(root: Path, lock: ModelLock, message: str) -> str:
    """A commit on top of HEAD whose only change is model.lock; the working tree is left alone."""
    blob = write_blob(root, render_lock(lock))
    listing = git(root, "ls-tree", "HEAD").splitlines()
    entries = [line for line in listing if not line.endswith(f"\t{LOCK_FILE}")]
    tree = git(root, "mktree", stdin="\n".join([*entries, f"100644 blob {blob}\t{LOCK_FILE}"]) + "\n")
    return git(root, "commit-tree", tree, "-p", "HEAD", "-F", "-", stdin=message)


def propose(root: Path, client: "MlflowClient", name: str, wait_s: float = 0.0) -> Proposal | None:
    """Pin the newest candidate on branch retrain/<name>-v<version> and push it; None when model.lock
    already pins it (or a newer version) and no newer one came within `wait_s`."""
    pinned = read_lock(root / LOCK_FILE)
    version = newer_candidate(client, name, pinned, wait_s)
    if version is None:
        return None
    lock = lock_of(client, name, version)
    title = f"Retrained model: {name} version {lock.version}"
    body = pull_request_body(client, lock, pinned)
    commit = commit_lock(root, lock, f"{title}\n\nmodel.lock pins {name} version {lock.version}.\n")
    branch = f"retrain/{name}-v{lock.version}"
    # The branch is this proposal's own: a new run for the same version rebases it onto today's main.
    git(root, "push", "--quiet", "--force", REMOTE, f"{commit}:refs/heads/{branch}", remote=True)
    return Proposal(lock, branch, commit, title, body)
