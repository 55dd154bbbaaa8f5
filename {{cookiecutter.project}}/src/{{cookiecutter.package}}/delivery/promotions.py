"""Promote a rendered environment to its branch, and roll a promotion back, each as one readable commit."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CliError
from .gitops import commit_tree, env_branch, fetch_tip, git, land, message_of, parent_of, tree_of, write_tree
from .overlays import check_digest
from .render import check_source

# Production takes only what staging carried: the same source commit with the same image digest.
PRECEDED_BY = {"production": "staging"}
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
TRAILER = re.compile(r"^(Source-Commit|Image-Digest|Model-Sha256|Reverts): (\S+)$", re.MULTILINE)
STATE_TRAILERS = ("Source-Commit", "Image-Digest", "Model-Sha256")


@dataclass(frozen=True)
class Promotion:
    """What a rendered environment runs: the source commit, the image digest and the model's sha256."""

    source: str
    digest: str
    model_sha256: str

    def __post_init__(self) -> None:
        check_source(self.source)
        check_digest(self.digest)
        if not SHA256_PATTERN.fullmatch(self.model_sha256):
            raise CliError(f"model sha256 {self.model_sha256!r} is not 64 lowercase hex digits")

    def trailers(self) -> dict[str, str]:
        return dict(zip(STATE_TRAILERS, (self.source, self.digest, self.model_sha256), strict=True))

    def message(self, env: str) -> str:
        body = "\n".join(f"{key}: {value}" for key, value in self.trailers().items())
        return (
            f"deploy({env}): {self.source[:12]} {self.digest[7:19]}\n\n"
            f"Rendered k8s/overlays/{env} at the source commit below, with the image pinned by digest.\n\n"
            f"{body}\n"
        )


def trailers_of(root: Path, commit: str) -> dict[str, str]:
    return dict(TRAILER.findall(message_of(root, commit)))


def carried(root: Path, env: str, promotion: Promotion) -> bool:
    """Whether `env`'s branch ever ran this source commit with this image digest."""
    tip = fetch_tip(root, env_branch(env))
    if tip is None:
        return False
    wanted = {"Source-Commit": promotion.source, "Image-Digest": promotion.digest}
    messages = git(root, "log", "--format=%B%x00", tip).split("\x00")
    return any(wanted.items() <= dict(TRAILER.findall(message)).items() for message in messages)


def publish(
    root: Path, env: str, rendered: Path, promotion: Promotion, sleep: Callable[[float], None] = time.sleep
) -> str:
    """Commit the rendered directory onto `env`'s branch and push it; return the branch's new tip."""
    branch = env_branch(env)
    earlier = PRECEDED_BY.get(env)
    if earlier and not carried(root, earlier, promotion):
        raise CliError(
            f"{earlier} never ran {promotion.source[:12]} with {promotion.digest}: "
            f"{env} takes only what {earlier} verified"
        )
    tree = write_tree(root, rendered)

    def build(tip: str | None) -> str:
        if (
            tip
            and tree_of(root, tip) == tree
            and promotion.trailers().items() <= trailers_of(root, tip).items()
        ):
            return tip
        return commit_tree(root, tree, tip, promotion.message(env))

    tip = land(root, branch, build, sleep)
    assert tip is not None, "build always yields a commit"
    return tip


def rollback(
    root: Path, env: str, promotion: str | None = None, sleep: Callable[[float], None] = time.sleep
) -> str:
    """Revert `promotion` (default: the branch tip) if it is still the tip, and say what happened.

    Idempotent: a promotion already reverted, or superseded by a later one, is left as it is.
    """
    branch = env_branch(env)
    outcome = ""

    def build(tip: str | None) -> str | None:
        nonlocal outcome
        if tip is None:
            raise CliError(f"{branch} does not exist yet: nothing to roll back")
        reason = nothing_to_revert(root, env, tip, promotion)
        if reason:
            outcome = reason
            return tip
        parent = parent_of(root, tip)
        if parent is None:
            raise CliError(f"{tip[:12]} is the first render of {branch}: nothing earlier to return to")
        restored = {key: value for key, value in trailers_of(root, parent).items() if key in STATE_TRAILERS}
        outcome = f"{env}: rolled back {tip[:12]}, back to {restored.get('Source-Commit', parent)[:12]}"
        return commit_tree(root, tree_of(root, parent), tip, revert_message(root, tip, restored))

    land(root, branch, build, sleep)
    return outcome


def nothing_to_revert(root: Path, env: str, tip: str, promotion: str | None) -> str:
    """Why reverting would be wrong now, or "" when the tip is the promotion to revert."""
    reverted = trailers_of(root, tip).get("Reverts")
    if promotion is None:
        return f"{env}: the tip {tip[:12]} is already a rollback; nothing rolled back" if reverted else ""
    if tip == promotion:
        return ""
    if reverted == promotion:
        return f"{env}: {promotion[:12]} is already rolled back"
    return f"{env}: {promotion[:12]} was superseded by {tip[:12]}; nothing rolled back"


def revert_message(root: Path, promotion: str, restored: dict[str, str]) -> str:
    subject = message_of(root, promotion).splitlines()[0]
    state = "".join(f"{key}: {value}\n" for key, value in restored.items())
    return f'Revert "{subject}"\n\nRestores the render {promotion} replaced.\n\nReverts: {promotion}\n{state}'
