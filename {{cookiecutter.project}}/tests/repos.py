"""Git repositories for the delivery tests: a bare remote seeded with files, and clones of it as CI has."""

import subprocess
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def bare_remote(seed: Path, remote: Path, later_commits: int = 0) -> Path:
    """A bare repository whose main branch holds one commit of everything in `seed`, then
    `later_commits` empty ones: merges whose order the delivery must respect."""
    git(seed, "init", "--quiet", "--initial-branch=main")
    git(seed, "add", ".")
    identity = ("-c", "user.name=seed", "-c", "user.email=seed@example.com")
    git(seed, *identity, "commit", "--quiet", "-m", "seed")
    for number in range(1, later_commits + 1):
        git(seed, *identity, "commit", "--quiet", "--allow-empty", "-m", f"merge {number}")
    subprocess.run(["git", "clone", "--quiet", "--bare", str(seed), str(remote)], check=True)
    return remote


def trailers_of(repo: Path, ref: str) -> dict[str, str]:
    """The commit's trailers as git itself parses them, so other tools read what we wrote."""
    lines = git(repo, "log", "--max-count=1", "--format=%(trailers:only,unfold)", ref).splitlines()
    return dict(line.split(": ", 1) for line in lines if line)


def history(repo: Path) -> list[str]:
    """The commits of main, oldest first."""
    return git(repo, "rev-list", "--reverse", "main").split()


def clone(remote: Path, target: Path) -> Path:
    """A clone with a committer identity, as a CI job checks the repository out."""
    subprocess.run(["git", "clone", "--quiet", str(remote), str(target)], check=True)
    git(target, "config", "user.name", "delivery-test")
    git(target, "config", "user.email", "delivery-test@example.com")
    return target
