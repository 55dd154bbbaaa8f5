"""Roll a promotion back: one commit that restores the render before it, only while it is still the tip."""

import time
from collections.abc import Callable
from pathlib import Path

from ..errors import Failure
from .environments import env_branch
from .gitops import commit_tree, land, message_of, parent_of, tree_of
from .promotions import PROMOTION_KEY, STATE_TRAILERS, trailers_of


def promotion_commits(root: Path, tip: str) -> list[str]:
    """The tip and the commits just before it that carry the same source and image: one promotion
    (a production canary's pin, then the commit that promotes its batch workloads)."""
    key = [trailers_of(root, tip).get(name) for name in PROMOTION_KEY]
    commits = [tip]
    while "Reverts" not in trailers_of(root, commits[-1]) and (parent := parent_of(root, commits[-1])):
        if [trailers_of(root, parent).get(name) for name in PROMOTION_KEY] != key:
            break
        commits.append(parent)
    return commits


def rollback(
    root: Path, env: str, promotion: str | None = None, sleep: Callable[[float], None] = time.sleep
) -> str:
    """Revert `promotion` (default: the tip's) if it is still the tip, and say what happened.

    Idempotent: a promotion already reverted, or superseded by a later one, is left as it is.
    """
    branch = env_branch(env)
    outcome = ""

    def build(tip: str | None) -> str | None:
        nonlocal outcome
        if tip is None:
            raise Failure(f"{branch} does not exist yet: nothing to roll back")
        reason = nothing_to_revert(root, env, tip, promotion)
        if reason:
            outcome = reason
            return tip
        first = promotion_commits(root, tip)[-1]
        parent = parent_of(root, first)
        if parent is None:
            raise Failure(f"{first[:12]} is the first render of {branch}: nothing earlier to return to")
        restored = {key: value for key, value in trailers_of(root, parent).items() if key in STATE_TRAILERS}
        outcome = f"{env}: rolled back {first[:12]}, back to {restored.get('Source-Commit', parent)[:12]}"
        return commit_tree(root, tree_of(root, parent), tip, revert_message(root, first, restored))

    land(root, branch, build, sleep)
    return outcome


def nothing_to_revert(root: Path, env: str, tip: str, promotion: str | None) -> str:
    """Why reverting would be wrong now, or "" when the tip belongs to the promotion to revert."""
    reverted = trailers_of(root, tip).get("Reverts")
    if promotion is None:
        return f"{env}: the tip {tip[:12]} is already a rollback; nothing rolled back" if reverted else ""
    if promotion in promotion_commits(root, tip) and not reverted:
        return ""
    if reverted == promotion:
        return f"{env}: {promotion[:12]} is already rolled back"
    return f"{env}: {promotion[:12]} was superseded by {tip[:12]}; nothing rolled back"


def revert_message(root: Path, promotion: str, restored: dict[str, str]) -> str:
    subject = message_of(root, promotion).splitlines()[0]
    state = "".join(f"{key}: {value}\n" for key, value in restored.items())
    return f'Revert "{subject}"\n\nRestores the render {promotion} replaced.\n\nReverts: {promotion}\n{state}'
