"""Git plumbing for the environment branches: fetch a tip, commit a tree onto it, push, retry if beaten."""

import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import Failure

REMOTE = "origin"
PUSH_ATTEMPTS = 5
FIRST_BACKOFF_S = 1.0
# Git asks this helper for GitHub credentials and gets the token the pushing step sets in
# $GIT_PUSH_TOKEN: the token never appears on a command line or in .git/config. Without the variable
# it answers nothing, and git falls back to the user's own credentials (a laptop, an SSH remote).
CREDENTIAL_HELPER = (
    '!f() { if [ "$1" = get ] && [ -n "$GIT_PUSH_TOKEN" ]; then '
    "printf 'username=x-access-token\\npassword=%s\\n' \"$GIT_PUSH_TOKEN\"; fi; }; f"
)
# A lost race: not a fast-forward any more, or the remote's ref moved while it was being locked.
# Anything else ("[remote rejected]" by a ruleset, no access) is an error to report.
LOST_RACE = re.compile(r"\[rejected\]|cannot lock ref|incorrect old value provided")
REMOTE_OPTIONS = ("-c", f"credential.https://github.com.helper={CREDENTIAL_HELPER}")
# What git says when the branch to fetch does not exist on the remote (yet).
MISSING_REF = re.compile(r"couldn't find remote ref")

# Builds the commit to push on top of the branch tip (None: the branch does not exist yet); returning
# the tip itself means there is nothing to push.
CommitBuilder = Callable[[str | None], str | None]


def git(root: Path, *args: str, stdin: str | None = None, remote: bool = False) -> str:
    """Run a git command in `root`; `remote`: one that talks to the remote, with the push token's helper."""
    options = REMOTE_OPTIONS if remote else ()
    result = subprocess.run(
        ["git", *options, *args], cwd=root, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise Failure(f"git {args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def fetch_tip(root: Path, branch: str) -> str | None:
    """The remote branch's tip, fetched with its history; None while the branch does not exist."""
    tracking = f"refs/remotes/{REMOTE}/{branch}"
    fetched = subprocess.run(
        ["git", *REMOTE_OPTIONS, "fetch", "--quiet", REMOTE, f"+refs/heads/{branch}:{tracking}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if fetched.returncode != 0:
        if MISSING_REF.search(fetched.stderr):
            return None
        raise Failure(f"git fetch of {branch} failed: {fetched.stderr.strip()}")
    return git(root, "rev-parse", tracking)


def write_blob(root: Path, text: str) -> str:
    """Store `text` in the clone's object store; return the blob id."""
    return git(root, "hash-object", "-w", "--stdin", stdin=text)


def make_tree(root: Path, files: dict[str, str]) -> str:
    """A flat tree object of file name -> blob id."""
    if not files:
        raise Failure("nothing to commit: render the environment first")
    return git(
        root, "mktree", stdin="".join(f"100644 blob {blob}\t{name}\n" for name, blob in sorted(files.items()))
    )


def files_of(root: Path, commit: str) -> dict[str, str]:
    """File name -> blob id of the files at the top of `commit`'s tree."""
    listing = git(root, "ls-tree", commit)
    return {line.split("\t", 1)[1]: line.split()[2] for line in listing.splitlines()}


def blobs_at(root: Path, commits: list[str], name: str) -> list[str | None]:
    """The blob id of file `name` in each commit (None where it has none), in one git process."""
    listing = git(
        root,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        stdin="".join(f"{commit}:{name}\n" for commit in commits),
    )
    return [line.split()[0] if line.endswith(" blob") else None for line in listing.splitlines()]


def tree_of(root: Path, commit: str) -> str:
    return git(root, "rev-parse", commit + "^{tree}")


def parent_of(root: Path, commit: str) -> str | None:
    parents = git(root, "rev-list", "--parents", "--max-count=1", commit).split()[1:]
    return parents[0] if parents else None


def message_of(root: Path, commit: str) -> str:
    return git(root, "log", "--max-count=1", "--format=%B", commit)


def commit_tree(root: Path, tree: str, parent: str | None, message: str) -> str:
    parents = ["-p", parent] if parent else []
    return git(root, "commit-tree", tree, *parents, "-F", "-", stdin=message)


def push_commit(root: Path, commit: str, branch: str) -> bool:
    """Push `commit` as the branch's new tip; False when someone pushed first (not a fast-forward)."""
    result = subprocess.run(
        ["git", *REMOTE_OPTIONS, "push", "--porcelain", REMOTE, f"{commit}:refs/heads/{branch}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return True
    if LOST_RACE.search(result.stdout + result.stderr):
        return False
    raise Failure(f"git push to {branch} failed: {result.stderr.strip() or result.stdout.strip()}")


def land(
    root: Path,
    branch: str,
    build: CommitBuilder,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = PUSH_ATTEMPTS,
) -> str | None:
    """Commit onto the fetched tip and push; when beaten to it, build again on the new tip and retry.

    Returns the branch's tip afterwards: the pushed commit, or the unchanged tip when there was nothing
    to push.
    """
    for attempt in range(attempts):
        tip = fetch_tip(root, branch)
        commit = build(tip)
        if commit is None or commit == tip or push_commit(root, commit, branch):
            return commit
        if attempt < attempts - 1:
            sleep(FIRST_BACKOFF_S * 2**attempt)
    raise Failure(f"{branch} moved under every one of {attempts} pushes; try again")
