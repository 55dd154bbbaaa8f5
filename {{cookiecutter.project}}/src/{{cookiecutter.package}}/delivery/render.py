"""Render an environment from one source commit: its k8s/ tree, the overlay, and the image digest."""

import re
import shutil
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from ..errors import CliError
from .overlays import OVERLAYS_DIR, set_image

# The environments deliver renders to a branch; previews render from the pull request in Argo CD.
RENDERED_ENVIRONMENTS = ("staging", "production")
MANIFESTS_FILE = "manifests.yaml"
COMMIT_PATTERN = re.compile(r"[0-9a-f]{40}")
HEADER = """\
# Rendered by `render --env {env}` from k8s/overlays/{env} at commit {source}, with the image
# pinned to {digest}. Do not edit: Argo CD syncs this branch and the next delivery replaces this file.
"""


def kustomize(directory: Path) -> str:
    """`kustomize build` when installed, else the copy built into kubectl; a failure is one CliError."""
    if shutil.which("kustomize"):
        command = ["kustomize", "build", str(directory)]
    elif shutil.which("kubectl"):
        command = ["kubectl", "kustomize", str(directory)]
    else:
        raise CliError("neither kustomize nor kubectl is on PATH; install one to render k8s/overlays")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CliError(f"{' '.join(command[:-1])} {directory} failed: {result.stderr.strip()}")
    return result.stdout


def check_environment(env: str) -> str:
    if env not in RENDERED_ENVIRONMENTS:
        raise CliError(f"cannot render {env!r}; deliver renders {' and '.join(RENDERED_ENVIRONMENTS)}")
    return env


def check_source(source: str) -> str:
    """A full commit id: a branch name or a short id could name another commit by the next render."""
    if not COMMIT_PATTERN.fullmatch(source):
        raise CliError(f"source {source!r} is not a full 40-character commit id")
    return source


def check_commit(root: Path, source: str) -> str:
    """A full commit id that this clone holds."""
    check_source(source)
    found = subprocess.run(
        ["git", "cat-file", "-e", source + "^{commit}"], cwd=root, capture_output=True, check=False
    )
    if found.returncode != 0:
        raise CliError(f"commit {source} is not in this clone; fetch it first")
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
        raise CliError(f"commit {source} has no {OVERLAYS_DIR.parent}/: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")


def render_environment(root: Path, env: str, source: str, digest: str, out_dir: Path) -> Path:
    """Render `env` at commit `source` with `digest` pinned; write and return out_dir/manifests.yaml."""
    check_environment(env)
    check_commit(root, source)
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        tree = Path(scratch)
        export_tree(root, source, tree)
        set_image(tree, env, digest)
        manifests = kustomize(tree / OVERLAYS_DIR / env)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MANIFESTS_FILE
    path.write_text(HEADER.format(env=env, source=source, digest=digest) + manifests)
    return path
