"""What one commit of an environment branch holds: the render, its batch workloads, and the config that
the pods of the renders before it still read.

Argo CD prunes what a sync no longer carries. A config change renames the hash-suffixed ConfigMap, so
a plain render would delete the old one while the stable pods of a canary, or of a rolling update,
still reference it: a stable pod started then (a scale-up, an eviction) fails with
CreateContainerConfigError (fluxcd/flux2 issue 3378, argo-rollouts issue 2675). The branch therefore
keeps the ConfigMaps and Secrets of the last renders in retained.yaml until two newer renders replaced them.
"""

from pathlib import Path
from typing import Any

import yaml

from ..errors import Failure
from .gitops import blobs_at, git, write_blob
from .kustomize import documents
from .render import BATCH_FILE, MANIFESTS_FILE

RETAINED_FILE = "retained.yaml"
# The renders whose config stays: the one running before this commit, and the one before that (the
# stable version while the previous canary was aborted and not yet reverted).
RETAINED_RENDERS = 2
# How far back to look for them; a batch promotion repeats its canary's render.
HISTORY_DEPTH = 10
CONFIG_KINDS = frozenset({"ConfigMap", "Secret"})
RETAINED_HEADER = """\
# Config that pods of the previous renders still read: kept until two newer renders replaced it, so
# that Argo CD does not prune it under a running stable version. Written by `publish`; do not edit.
"""


def object_key(obj: dict[str, Any]) -> tuple[object, object, object]:
    metadata = obj.get("metadata") or {}
    return obj.get("kind"), metadata.get("namespace"), metadata.get("name")


def recent_renders(root: Path, tip: str) -> list[str]:
    """The manifests of the last RETAINED_RENDERS distinct renders on the branch, newest first."""
    commits = git(root, "rev-list", "--first-parent", f"--max-count={HISTORY_DEPTH}", tip).split()
    blobs: list[str] = []
    for blob in blobs_at(root, commits, MANIFESTS_FILE):
        if blob and blob not in blobs and len(blobs) < RETAINED_RENDERS:
            blobs.append(blob)
    return [git(root, "cat-file", "blob", blob) for blob in blobs]


def retained_config(root: Path, tip: str | None, manifests: str) -> list[dict[str, Any]]:
    """The ConfigMaps and Secrets of the recent renders that the new render no longer has."""
    if tip is None:
        return []
    seen = {object_key(obj) for obj in documents(manifests)}
    retained = []
    for text in recent_renders(root, tip):
        for obj in documents(text):
            if obj.get("kind") in CONFIG_KINDS and object_key(obj) not in seen:
                seen.add(object_key(obj))
                retained.append(obj)
    return retained


def branch_files(
    root: Path, rendered: Path, tip: str | None, tip_files: dict[str, str], hold_batch: bool
) -> tuple[dict[str, str], bool]:
    """The files (name -> blob) of the next commit, and whether its batch workloads are the tip's.

    `hold_batch` keeps the tip's batch workloads (none, on a first delivery) while a production canary
    runs: they move to the new image with the next publish, once the canary is promoted.
    """
    names = sorted(path.name for path in rendered.iterdir()) if rendered.is_dir() else []
    if MANIFESTS_FILE not in names or not set(names) <= {MANIFESTS_FILE, BATCH_FILE}:
        raise Failure(
            f"{rendered} must hold {MANIFESTS_FILE} (and {BATCH_FILE}) from `render`; it holds {names}"
        )
    manifests = (rendered / MANIFESTS_FILE).read_text()
    files = {MANIFESTS_FILE: write_blob(root, manifests)}
    held = hold_batch and BATCH_FILE in names
    batch = tip_files.get(BATCH_FILE) if held else None
    if BATCH_FILE in names and not held:
        batch = write_blob(root, (rendered / BATCH_FILE).read_text())
    if batch:
        files[BATCH_FILE] = batch
    retained = retained_config(root, tip, manifests)
    if retained:
        files[RETAINED_FILE] = write_blob(
            root, RETAINED_HEADER + yaml.safe_dump_all(retained, sort_keys=False)
        )
    return files, held
