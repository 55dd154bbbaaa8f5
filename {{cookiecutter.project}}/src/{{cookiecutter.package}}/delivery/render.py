"""Render an environment from one source commit: its k8s/ tree, the overlay, and the image digests."""

import re
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml

from ..errors import Failure
from .environments import check_delivered
from .kustomize import kustomize, kustomize_version, load_yaml
from .overlays import OVERLAYS_DIR, ImageNames, check_digest, image_names

MANIFESTS_FILE = "manifests.yaml"
# The workloads that run the batch image: production takes them only once its canary is promoted.
BATCH_FILE = "batch.yaml"
# The base's ConfigMap, which every server pod reads its settings from.
SERVER_CONFIG = "server"
COMMIT_PATTERN = re.compile(r"[0-9a-f]{40}")
DOCUMENT_SEPARATOR = re.compile(r"^---\n", re.MULTILINE)
HEADER = """\
# Rendered by `render --env {env}` from k8s/overlays/{env} at commit {source}
# with the image pinned to {digest}, by {tool}. Do not edit: Argo CD syncs this
# branch, and the next delivery replaces this file.
"""


def check_source(source: str) -> str:
    """A full commit id: a branch name or a short id could name another commit by the next render."""
    if not COMMIT_PATTERN.fullmatch(source):
        raise Failure(f"source {source!r} is not a full 40-character commit id")
    return source


def check_commit(root: Path, source: str) -> str:
    """A full commit id that this clone holds."""
    check_source(source)
    found = subprocess.run(
        ["git", "cat-file", "-e", source + "^{commit}"], cwd=root, capture_output=True, check=False
    )
    if found.returncode != 0:
        raise Failure(f"commit {source} is not in this clone; fetch it first")
    return source


def export_tree(root: Path, source: str, target: Path) -> None:
    """Write k8s/ as it is at `source` into `target`, whatever the working tree or main hold now."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", source, str(OVERLAYS_DIR.parent)],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise Failure(f"commit {source} has no {OVERLAYS_DIR.parent}/: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")


def pinning_layer(
    tree: Path, env: str, names: ImageNames, digest: str, batch_digest: str | None, train_digest: str | None
) -> Path:
    """A kustomization over the overlay that pins the digests and tells the server its own digest,
    which /model reports: a new build of the same commit is then told apart from the old one."""
    pins = [{"name": names.server, "digest": digest}]
    for name, pinned in ((names.batch, batch_digest), (names.train, train_digest)):
        if name and pinned:
            pins.append({"name": name, "digest": pinned})
    layer = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [f"../{OVERLAYS_DIR}/{env}"],
        "images": pins,
        "configMapGenerator": [
            {"name": SERVER_CONFIG, "behavior": "merge", "literals": [f"APP_IMAGE_DIGEST={digest}"]}
        ],
    }
    directory = tree / "pinned"
    directory.mkdir()
    (directory / "kustomization.yaml").write_text(yaml.safe_dump(layer, sort_keys=False))
    return directory


def images_of(document: dict[str, Any]) -> list[str]:
    """The container images of a workload's pod template (a CronJob's through its job template)."""
    spec = document.get("spec") or {}
    if document.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec", {}) if isinstance(template, dict) else {}
    return [str(c["image"]) for key in ("initContainers", "containers") for c in pod.get(key, [])]


def split_batch(manifests: str, batch_image: str | None) -> tuple[str, str]:
    """kustomize's output as (everything else, the workloads running the batch image); each image pinned."""
    kept: list[str] = []
    batch: list[str] = []
    for text in (part for part in DOCUMENT_SEPARATOR.split(manifests) if part.strip()):
        images = images_of(load_yaml(text) or {})
        unpinned = [image for image in images if "@sha256:" not in image]
        if unpinned:
            raise Failure(f"image {unpinned[0]} is not pinned: name it in the overlay's `images:`")
        runs_batch = batch_image is not None and any(i.split("@")[0] == batch_image for i in images)
        (batch if runs_batch else kept).append(text)
    return "---\n".join(kept), "---\n".join(batch)


def render_environment(
    root: Path,
    env: str,
    source: str,
    digest: str,
    out_dir: Path,
    batch_digest: str | None = None,
    train_digest: str | None = None,
) -> Path:
    """Render `env` at commit `source` with the digests pinned into out_dir: manifests.yaml (the training
    workloads included) and, when the overlay runs batch workloads, batch.yaml. Return the manifests' path."""
    check_delivered(env)
    check_digest(digest)
    for other in (batch_digest, train_digest):
        if other is not None:
            check_digest(other)
    check_commit(root, source)
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        tree = Path(scratch)
        export_tree(root, source, tree)
        names = image_names(tree, env)
        layer = pinning_layer(tree, env, names, digest, batch_digest, train_digest)
        manifests, batch = split_batch(kustomize(layer), names.batch)
    tool = kustomize_version()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / BATCH_FILE).unlink(missing_ok=True)
    if batch:
        (out_dir / BATCH_FILE).write_text(
            HEADER.format(
                env=env, source=source, digest=batch_digest or "the overlay's all-zero digest", tool=tool
            )
            + batch
        )
    path = out_dir / MANIFESTS_FILE
    path.write_text(HEADER.format(env=env, source=source, digest=digest, tool=tool) + manifests)
    return path
