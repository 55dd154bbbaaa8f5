"""Propose a retrained model: model.lock pinned to the registry's `candidate`, committed on a branch of its
own on top of main's newest commit and pushed, with the pull request's text (the model card's metrics
beside production's). Merging that pull request is the decision; nothing here touches main or an
environment."""

import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import registry
from ..errors import Failure
from ..lock import LOCK_FILE, ModelLock, parse_lock, render_lock
from ..pinned import pin_version
from .comparison import pull_request_body
from .gitops import REMOTE, fetch_tip, git, write_blob
from .ordering import is_ancestor

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

POLL_S = 30.0
# The branch whose model.lock a proposal replaces, and the only commit a retrain may start from.
MAIN = "main"


@dataclass(frozen=True)
class Proposal:
    lock: ModelLock
    branch: str
    commit: str
    title: str
    body: str


@dataclass(frozen=True)
class Nothing:
    """Why there is nothing to propose; `unchanged`: the candidate is the model main already pins."""

    reason: str
    unchanged: bool = False


def main_tip(root: Path) -> str:
    tip = fetch_tip(root, MAIN)
    if tip is None:
        raise Failure(f"{REMOTE} has no branch {MAIN}")
    return tip


def check_main_head(root: Path) -> str:
    """Refuse unless HEAD is main's newest commit on the remote: a re-run of an old retrain would train
    the old commit's code and model.toml, and register the result as the newest candidate."""
    head, tip = git(root, "rev-parse", "HEAD"), main_tip(root)
    if head == tip:
        return head
    where = "an older commit of main" if is_ancestor(root, head, tip) else f"not on {MAIN}'s history"
    raise Failure(
        f"{head[:12]} is {where}, and {MAIN} is at {tip[:12]}: a retrain runs on {MAIN}'s newest commit "
        "only (start a new run instead of re-running an old one)",
        exit_code=1,
    )


def locked_at(root: Path, commit: str) -> ModelLock | None:
    """The model.lock of a commit, None when it has none."""
    shown = subprocess.run(
        ["git", "show", f"{commit}:{LOCK_FILE}"], cwd=root, capture_output=True, text=True, check=False
    )
    return parse_lock(shown.stdout, f"{MAIN}:{LOCK_FILE}") if shown.returncode == 0 else None


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
    """The lock for a candidate that passed its gate, every file it holds checked and hashed."""
    sha256 = (version.tags or {}).get("onnx_sha256")
    run = client.get_run(version.run_id) if version.run_id else None
    if run is None or run.data.tags.get("gate") != "passed" or not sha256:
        raise Failure(f"{name} version {version.version} has no passed gate and sha256 on record")
    pin = {"name": name, "version": str(version.version), "sha256": sha256, "run_id": str(version.run_id)}
    with tempfile.TemporaryDirectory(prefix="propose-") as scratch:
        return pin_version(client, pin, Path(scratch))


def commit_lock(root: Path, parent: str, lock: ModelLock, message: str) -> str:
    """A commit on top of `parent` whose only change is model.lock; the working tree is left alone."""
    blob = write_blob(root, render_lock(lock))
    listing = git(root, "ls-tree", parent).splitlines()
    entries = [line for line in listing if not line.endswith(f"\t{LOCK_FILE}")]
    tree = git(root, "mktree", stdin="\n".join([*entries, f"100644 blob {blob}\t{LOCK_FILE}"]) + "\n")
    return git(root, "commit-tree", tree, "-p", parent, "-F", "-", stdin=message)


def propose(root: Path, client: "MlflowClient", name: str, wait_s: float = 0.0) -> Proposal | Nothing:
    """Pin the newest candidate on branch retrain/<name>-v<version>, on main's newest commit, and push it.
    Nothing when main's model.lock (fetched now, whatever this checkout is) pins it, a newer version or the
    same model file, and no newer one came within `wait_s`."""
    base = main_tip(root)
    pinned = locked_at(root, base)
    version = newer_candidate(client, name, pinned, wait_s)
    if version is None:
        return Nothing(f"no version with the alias `candidate` newer than the one {MAIN}'s model.lock pins")
    if pinned is not None and (version.tags or {}).get("onnx_sha256") == pinned.sha256:
        same = f"version {version.version} is byte for byte the model {MAIN}'s model.lock pins (version "
        return Nothing(f"{same}{pinned.version})", unchanged=True)
    lock = lock_of(client, name, version)
    title = f"Retrained model: {name} version {lock.version}"
    body = pull_request_body(client, lock, pinned)
    commit = commit_lock(root, base, lock, f"{title}\n\nmodel.lock pins {name} version {lock.version}.\n")
    branch = f"retrain/{name}-v{lock.version}"
    # The branch is this proposal's own: a new run for the same version rebases it onto today's main.
    git(root, "push", "--quiet", "--force", REMOTE, f"{commit}:refs/heads/{branch}", remote=True)
    return Proposal(lock, branch, commit, title, body)
