"""Commit and push environment changes the GitOps way: rebase and retry when someone pushed first."""

import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import CliError
from .overlays import overlay_file, pin_digest, read_digest

PUSH_ATTEMPTS = 5
FIRST_BACKOFF_S = 1.0


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CliError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def upstream(root: Path) -> tuple[str, str]:
    """The (remote, branch) the current branch tracks, else origin and the same branch name."""
    try:
        tracked = git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}")
        remote, _, branch = tracked.partition("/")
        return remote, branch
    except CliError:
        pass
    try:
        return "origin", git(root, "symbolic-ref", "--short", "HEAD")
    except CliError as error:
        raise CliError("HEAD is detached: check out the branch to publish to") from error


def push_with_retry(
    root: Path,
    attempts: int = PUSH_ATTEMPTS,
    backoff_s: float = FIRST_BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Push HEAD upstream; on a rejection, rebase onto what landed first and try again."""
    remote, branch = upstream(root)
    for attempt in range(attempts):
        try:
            git(root, "push", remote, f"HEAD:{branch}")
            return
        except CliError:
            if attempt == attempts - 1:
                raise
        sleep(backoff_s * 2**attempt)
        rebase_onto(root, remote, branch)


def rebase_onto(root: Path, remote: str, branch: str) -> None:
    """Replay our commit on what landed first; leave no half-done rebase behind if that fails."""
    try:
        # -X theirs: when both sides changed the same line, the commit being replayed (ours, the later
        # delivery) wins, so the final state is the newest delivery's.
        git(root, "pull", "--rebase", "-X", "theirs", remote, branch)
    except CliError:
        subprocess.run(["git", "rebase", "--abort"], cwd=root, capture_output=True, check=False)
        raise


def commit(root: Path, message: str, paths: Sequence[str]) -> bool:
    """Commit `paths` only; return False when they hold no change."""
    git(root, "add", "--", *paths)
    staged = subprocess.run(["git", "diff", "--cached", "--quiet", "--", *paths], cwd=root, check=False)
    if staged.returncode == 0:
        return False
    git(root, "commit", "--message", message, "--", *paths)
    return True


def publish(
    root: Path, message: str, paths: Sequence[str], sleep: Callable[[float], None] = time.sleep
) -> bool:
    """Commit `paths` and push; return False when there was nothing to publish."""
    if not paths:
        raise CliError("publish needs at least one path")
    if not commit(root, message, paths):
        return False
    push_with_retry(root, sleep=sleep)
    return True


def last_image_change(root: Path, env: str) -> str:
    """The newest commit that changed the digest pinned in the `env` overlay."""
    relative = str(overlay_file(root, env).relative_to(root))
    for sha in git(root, "log", "--format=%H", "--", relative).split():
        if digest_at(root, f"{sha}^", relative) != digest_at(root, sha, relative):
            return sha
    raise CliError(f"no commit changed the {env} image yet: nothing to roll back")


def digest_at(root: Path, revision: str, relative: str) -> str | None:
    shown = subprocess.run(
        ["git", "show", f"{revision}:{relative}"], cwd=root, capture_output=True, text=True, check=False
    )
    return read_digest(shown.stdout) if shown.returncode == 0 else None


def rollback(root: Path, env: str, sleep: Callable[[float], None] = time.sleep) -> str:
    """Commit and push a revert of the last image change of `env`; return the digest restored."""
    git(root, "pull", "--rebase", *upstream(root))
    path = overlay_file(root, env)
    relative = str(path.relative_to(root))
    change = last_image_change(root, env)
    previous = digest_at(root, f"{change}^", relative)
    if previous is None:
        raise CliError(f"{change[:12]} pinned the first {env} digest: there is no earlier one to restore")
    path.write_text(pin_digest(path.read_text(), previous))
    subject = git(root, "log", "--max-count=1", "--format=%s", change)
    message = f'Revert "{subject}"\n\nThis reverts the {env} image change of commit {change}.'
    commit(root, message, [relative])
    push_with_retry(root, sleep=sleep)
    return previous
