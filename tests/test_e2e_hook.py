"""The end-to-end test's stand-in for GitHub's rulesets: a pre-receive hook that enforces the rulesets
the generated project writes, so that e2e-kind.sh pushes with each environment's App as GitHub would."""

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from baking import PROJECT_TEMPLATE, TEMPLATE_DIR

HOOK = TEMPLATE_DIR / "scripts" / "e2e-rulesets-hook.py"
RULESETS = PROJECT_TEMPLATE / "src" / "{{cookiecutter.package}}" / "delivery" / "rulesets.py"
APPS = {"staging": 101, "production": 202}


def load_rulesets() -> ModuleType:
    """The generated project's rulesets module, with the modules it imports (delivery/environments.py
    and errors.py, which need only the standard library), loaded from their source without writing
    bytecode, so that nothing lands in the template (a bake would copy it)."""
    package_dir = RULESETS.parents[1]
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        for name, init in (("generated", package_dir), ("generated.delivery", package_dir / "delivery")):
            spec = importlib.util.spec_from_file_location(
                name, init / "__init__.py", submodule_search_locations=[str(init)]
            )
            assert spec
            assert spec.loader
            sys.modules[name] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(sys.modules[name])
        return importlib.import_module("generated.delivery.rulesets")
    finally:
        sys.dont_write_bytecode = writes_bytecode


def git(cwd: Path, *args: str, app: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "e2e", "GIT_AUTHOR_EMAIL": "e2e@example.com"}
    env |= {"GIT_COMMITTER_NAME": "e2e", "GIT_COMMITTER_EMAIL": "e2e@example.com"}
    env.pop("DELIVERY_APP_ID", None)
    if app is not None:
        env["DELIVERY_APP_ID"] = str(app)
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of a bare remote that runs the hook over the generated project's rulesets."""
    source = tmp_path / "source"
    source.mkdir()
    git(source, "init", "--quiet", "--initial-branch=main")
    git(source, "commit", "--quiet", "--allow-empty", "-m", "seed")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(source), str(remote))
    shutil.copy(HOOK, remote / "hooks" / "pre-receive")
    load_rulesets().write_rulesets(remote / "rulesets", APPS)
    git(source, "remote", "add", "origin", str(remote))
    return source


def push(clone: Path, ref: str, app: int | None, *options: str) -> bool:
    """Push a new commit (or, with options, the given change) to `ref`; whether the remote took it."""
    if not options:
        git(clone, "commit", "--quiet", "--allow-empty", "-m", f"to {ref}")
    pushed = git(clone, "push", "--quiet", *options, "origin", f"HEAD:refs/heads/{ref}", app=app)
    return pushed.returncode == 0


@pytest.mark.parametrize("env", sorted(APPS))
def test_each_app_pushes_only_its_own_environments_branch(clone: Path, env: str) -> None:
    other = next(name for name in APPS if name != env)
    assert push(clone, f"env/{env}", APPS[env])
    assert push(clone, f"env/{env}", APPS[env])
    assert not push(clone, f"env/{env}", APPS[other])
    assert not push(clone, f"env/{env}", None)
    assert not push(clone, "main", APPS[env])


def test_nobody_rewrites_or_deletes_an_environments_history(clone: Path) -> None:
    assert push(clone, "env/production", APPS["production"])
    git(clone, "reset", "--quiet", "--hard", "HEAD~1")
    git(clone, "commit", "--quiet", "--allow-empty", "-m", "rewritten")
    assert not push(clone, "env/production", APPS["production"], "--force")
    delete = git(clone, "push", "--quiet", "origin", "--delete", "env/production", app=APPS["production"])
    assert delete.returncode != 0
    assert "refused by ruleset 'env history'" in delete.stderr
    main = json.loads((clone.parent / "remote.git" / "rulesets" / "main.json").read_text())
    assert main["bypass_actors"] == []
