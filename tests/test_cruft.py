"""The README's update path, run with cruft itself against a local git clone of this template, offline."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from baking import PROJECT_TEMPLATE, TEMPLATE_DIR

CRUFT = str(Path(sys.executable).with_name("cruft"))
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
DESCRIPTION = 'It\'s "quoted" & <b>kept</b> as typed: $HOME \\ {x}'
# A file of the generated project that the new template commit changes.
CHANGED = "docs/deploy.md"


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=False, timeout=120
    )


def git(cwd: Path, *args: str) -> str:
    result = run(["git", *args], cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def publish_template(tmp_path: Path) -> tuple[Path, Path]:
    """This working tree's files (new ones too, ignored ones aside) committed, and a bare clone of them."""
    work, bare = tmp_path / "template", tmp_path / "template.git"
    listed = git(TEMPLATE_DIR, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE_DIR / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_DIR / name, work / name)
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "template")
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return work, bare


def test_cruft_create_check_and_update_follow_a_new_template_commit(tmp_path: Path) -> None:
    work, bare = publish_template(tmp_path)
    context = json.dumps({"project": "cruft-demo", "description": DESCRIPTION})
    created = run([CRUFT, "create", "--no-input", str(bare), "--extra-context", context], tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr
    project = tmp_path / "cruft-demo"
    state = json.loads((project / ".cruft.json").read_text())
    assert state["commit"] == git(bare, "rev-parse", "HEAD")
    assert state["context"]["cookiecutter"]["description"] == DESCRIPTION
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "bake")
    assert run([CRUFT, "check"], project).returncode == 0

    marker = "A line the template added after the bake."
    with (work / PROJECT_TEMPLATE.name / CHANGED).open("a") as file:
        file.write(f"\n{marker}\n")
    git(work, "commit", "-qam", "template: a new line")
    git(work, "push", "-q", str(bare), "main")
    assert run([CRUFT, "check"], project).returncode == 1

    updated = run([CRUFT, "update", "--skip-apply-ask"], project)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (project / CHANGED).read_text().endswith(f"{marker}\n")
    assert json.loads((project / ".cruft.json").read_text())["commit"] == git(bare, "rev-parse", "HEAD")
    assert run([CRUFT, "check"], project).returncode == 0
