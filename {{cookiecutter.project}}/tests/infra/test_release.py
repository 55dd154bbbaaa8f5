"""`make release` records a promotion once: a re-run of promote finds the release and writes nothing."""

import os
import subprocess
from pathlib import Path

from .. import PROJECT_DIR
from ..repos import git

# A stand-in for the GitHub CLI: `release view` succeeds once `release create` has run; every call is logged.
FAKE_GH = """#!/bin/sh
echo "$*" >> "$GH_LOG"
if [ "$1 $2" = "release view" ]; then test -f "$GH_LOG.created"; exit; fi
if [ "$1 $2" = "release create" ]; then touch "$GH_LOG.created"; fi
"""
TAG = "production-0123456789ab"


def test_make_release_creates_the_release_once_at_this_commit(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "MODEL_CARD.md").write_text("# model card\n")
    git(repo, "init", "--quiet")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "card")
    log = tmp_path / "gh.log"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GH_LOG": str(log)}
    command = ["make", "--no-print-directory", "-f", str(PROJECT_DIR / "Makefile"), "release"]
    for _ in range(2):
        subprocess.run([*command, f"TAG={TAG}", "NOTES=MODEL_CARD.md"], cwd=repo, env=env, check=True)
    head = git(repo, "rev-parse", "HEAD")
    assert log.read_text().splitlines() == [
        f"release view {TAG}",
        f"release create {TAG} --target {head} --title {TAG} --notes-file MODEL_CARD.md",
        f"release view {TAG}",
    ]
