"""The overlays' image entries: which names render pins, the server's, the batch scorer's, the trainer's."""

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Failure
from .environments import check_environment
from .kustomize import load_yaml

OVERLAYS_DIR = Path("k8s/overlays")
DIGEST_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")
# The batch image is the serving image plus pyarrow, pushed beside it under this suffix; the training
# image (the training group and the object-store clients) under the other.
BATCH_SUFFIX = "-batch"
TRAIN_SUFFIX = "-train"


@dataclass(frozen=True)
class ImageNames:
    """The image names an overlay renders (its entries' newName, else name): what render pins."""

    server: str
    batch: str | None
    train: str | None = None


def overlay_file(root: Path, env: str) -> Path:
    check_environment(env)
    path = root / OVERLAYS_DIR / env / "kustomization.yaml"
    if not path.is_file():
        raise Failure(f"{path} does not exist: this project has no {env} overlay")
    return path


def check_digest(digest: str) -> str:
    if not DIGEST_PATTERN.fullmatch(digest):
        raise Failure(f"malformed digest {digest!r}; expected sha256: followed by 64 lowercase hex digits")
    return digest


def image_names(root: Path, env: str) -> ImageNames:
    """The overlay's one server entry and its optional `-batch` and `-train` entries, as kustomize
    outputs them."""
    path = overlay_file(root, env)
    entries = (load_yaml(path.read_text()) or {}).get("images") or []
    names = {str(entry["name"]): str(entry.get("newName", entry["name"])) for entry in entries}
    servers = [name for name in names if not name.endswith((BATCH_SUFFIX, TRAIN_SUFFIX))]
    if len(servers) != 1:
        raise Failure(f"{path}: `images:` must name the server's image once, and at most its -batch image")
    batch, train = (names.get(servers[0] + suffix) for suffix in (BATCH_SUFFIX, TRAIN_SUFFIX))
    if len(names) != 1 + (batch is not None) + (train is not None):
        others = f"{servers[0]}{BATCH_SUFFIX} and {servers[0]}{TRAIN_SUFFIX}"
        raise Failure(f"{path}: `images:` may name only {servers[0]}, {others}")
    return ImageNames(names[servers[0]], batch, train)
