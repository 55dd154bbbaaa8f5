"""Which of two source commits came first: an environment never moves back to an older one by itself."""

import subprocess
from pathlib import Path

from ..errors import Failure

# What a clone needs to tell commits apart, and how to go back on purpose.
HISTORY_HINT = "fetch the whole history (actions/checkout with fetch-depth: 0)"
GOING_BACK = "`make rollback` reverts a promotion; `--allow-older` publishes an older commit on purpose"


class Superseded(Failure):
    """The environment already runs a newer source commit than the one offered."""

    def __init__(self, env: str, newer: str, offered: str) -> None:
        self.newer = newer
        super().__init__(
            f"{env}: superseded by {newer}: env/{env} runs a newer commit than {offered[:12]}; "
            f"nothing published ({GOING_BACK})"
        )


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether `older` is `newer` or one of its ancestors (git merge-base --is-ancestor)."""
    result = subprocess.run(
        ["git", "merge-base", "--is-ancestor", older, newer],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode > 1:
        raise Failure(f"cannot order {older[:12]} and {newer[:12]} ({result.stderr.strip()}): {HISTORY_HINT}")
    return result.returncode == 0


def check_order(root: Path, env: str, running: str | None, source: str, allow_older: bool = False) -> None:
    """Refuse to move `env` from the source it runs to an older one, or to one off its history.

    A re-run of an old delivery, or its approval coming late, must not put production back on the
    commit a newer delivery replaced: going back is a rollback, or a deliberate `allow_older`.
    """
    if running is None or running == source or allow_older:
        return
    if is_ancestor(root, running, source):
        return
    if is_ancestor(root, source, running):
        raise Superseded(env, running, source)
    raise Failure(
        f"{env} runs {running[:12]}, which is neither before nor after {source[:12]} in this history; "
        f"nothing published ({GOING_BACK})"
    )
