"""Promote a rendered environment to its branch, and roll a promotion back, each as one readable commit."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Failure
from .branch_files import branch_files
from .environments import PRECEDED_BY, env_branch
from .gitops import commit_tree, fetch_tip, files_of, git, land, make_tree, message_of
from .ordering import check_order
from .overlays import check_digest
from .render import BATCH_FILE, MANIFESTS_FILE, check_source

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
STATE_TRAILERS = ("Source-Commit", "Image-Digest", "Batch-Digest", "Model-Sha256")
TRAILER = re.compile(rf"^({'|'.join(STATE_TRAILERS)}|Reverts): (\S+)$", re.MULTILINE)
# What one promotion changes: a canary's pin and its batch promotion share these.
PROMOTION_KEY = ("Source-Commit", "Image-Digest")


@dataclass(frozen=True)
class Promotion:
    """What a rendered environment runs: the source commit, the image digests and the model's sha256."""

    source: str
    digest: str
    model_sha256: str
    batch_digest: str | None = None

    def __post_init__(self) -> None:
        check_source(self.source)
        check_digest(self.digest)
        if self.batch_digest is not None:
            check_digest(self.batch_digest)
        if not SHA256_PATTERN.fullmatch(self.model_sha256):
            raise Failure(f"model sha256 {self.model_sha256!r} is not 64 lowercase hex digits")

    def trailers(self, batch_digest: str | None = None) -> dict[str, str]:
        """The commit's state; `batch_digest` is what its batch workloads run, when it has any."""
        values = (self.source, self.digest, batch_digest, self.model_sha256)
        return {key: value for key, value in zip(STATE_TRAILERS, values, strict=True) if value}

    def message(self, env: str, trailers: dict[str, str], held: bool = False) -> str:
        body = "\n".join(f"{key}: {value}" for key, value in trailers.items())
        note = " Its batch workloads take the new image once the canary is promoted." if held else ""
        return (
            f"deploy({env}): {self.source[:12]} {self.digest[7:19]}\n\n"
            f"Rendered k8s/overlays/{env} at the source commit below, with the images pinned by "
            f"digest.{note}\n\n"
            f"{body}\n"
        )


def trailers_of(root: Path, commit: str) -> dict[str, str]:
    return dict(TRAILER.findall(message_of(root, commit)))


def carried(root: Path, env: str, promotion: Promotion) -> bool:
    """Whether `env`'s branch ever ran this source commit with this image (and, where it ran batch
    workloads, this batch image)."""
    tip = fetch_tip(root, env_branch(env))
    if tip is None:
        return False
    for message in git(root, "log", "--format=%B%x00", tip).split("\x00"):
        state = dict(TRAILER.findall(message))
        ran_batch = state.get("Batch-Digest", promotion.batch_digest)
        if (state.get("Source-Commit"), state.get("Image-Digest")) == (
            promotion.source,
            promotion.digest,
        ) and (promotion.batch_digest is None or ran_batch == promotion.batch_digest):
            return True
    return False


def publish(
    root: Path,
    env: str,
    rendered: Path,
    promotion: Promotion,
    sleep: Callable[[float], None] = time.sleep,
    hold_batch: bool = False,
    allow_older: bool = False,
) -> str:
    """Commit the rendered directory onto `env`'s branch and push it; return the branch's new tip.

    Refuses (ordering.Superseded) when the branch runs a newer source commit, unless `allow_older`.
    """
    branch = env_branch(env)
    earlier = PRECEDED_BY.get(env)
    if earlier and not carried(root, earlier, promotion):
        raise Failure(
            f"{earlier} never ran {promotion.source[:12]} with {promotion.digest}: "
            f"{env} takes only what {earlier} verified"
        )

    def build(tip: str | None) -> str:
        state = trailers_of(root, tip) if tip else {}
        check_order(root, env, state.get("Source-Commit"), promotion.source, allow_older)
        current = files_of(root, tip) if tip else {}
        files, held = branch_files(root, rendered, tip, current, hold_batch)
        batch_digest = state.get("Batch-Digest") if held else promotion.batch_digest
        trailers = promotion.trailers(batch_digest if BATCH_FILE in files else None)
        if tip and unchanged(current, files) and trailers.items() <= state.items():
            return tip
        return commit_tree(root, make_tree(root, files), tip, promotion.message(env, trailers, held))

    tip = land(root, branch, build, sleep)
    assert tip is not None, "build always yields a commit"
    return tip


def unchanged(current: dict[str, str], files: dict[str, str]) -> bool:
    """Whether the tip (its `current` files) already runs these workloads; the config it retains may
    differ."""
    return all(current.get(name) == files.get(name) for name in (MANIFESTS_FILE, BATCH_FILE))
