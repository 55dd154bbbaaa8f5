"""The whole promotion, offline: render staging, verify a real server, promote the same commit, roll back.

A local bare remote stands in for GitHub; its env/staging and env/production branches are what the
Argo CD Applications would sync.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package }}.delivery.kustomize import documents
from {{ cookiecutter.package }}.delivery.promotions import Promotion, publish
from {{ cookiecutter.package }}.delivery.render import render_environment
from {{ cookiecutter.package }}.delivery.rollbacks import rollback
from {{ cookiecutter.package }}.delivery.served import Wanted, wait_for_revision
from {{ cookiecutter.package }}.delivery.smoke import smoke
from {{ cookiecutter.package }}.errors import Failure

from .. import PROJECT_DIR
from ..repos import bare_remote, clone, git
from ..servers import live_server

FIRST, SECOND = ("sha256:" + digit * 64 for digit in "12")
MODEL_SHA256 = "f" * 64
# A line a change to the base adds to the shared ConfigMap after staging was rendered.
LATE_LITERAL = "APP_ACCESS_LOG=true"
pytestmark = pytest.mark.slow


def no_sleep(_seconds: float) -> None:
    """Pushes to a local remote do not race here."""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone (as CI checks it out) of a bare remote whose main branch holds this project's k8s/."""
    seed = tmp_path / "seed"
    shutil.copytree(PROJECT_DIR / "k8s", seed / "k8s")
    return clone(bare_remote(seed, tmp_path / "remote.git"), tmp_path / "ci")


def commit_to_main(repo: Path, message: str, edit: tuple[str, str, str]) -> str:
    """Merge a change to main (path, old text, new text) and return the new commit."""
    path, old, new = edit
    file = repo / path
    file.write_text(file.read_text().replace(old, new, 1))
    git(repo, "commit", "--quiet", "-am", message)
    git(repo, "push", "--quiet", "origin", "HEAD:main")
    return git(repo, "rev-parse", "HEAD")


def deliver(repo: Path, env: str, promotion: Promotion) -> str:
    """What the staging and canary jobs do: render at the source commit, then publish to the branch."""
    out = repo.parent / "render" / env
    render_environment(repo, env, promotion.source, promotion.digest, out)
    return publish(repo, env, out, promotion, sleep=no_sleep)


def deployed(repo: Path, env: str) -> list[dict[str, Any]]:
    """The objects Argo CD would apply from the environment's branch on the remote."""
    text = git(repo.parent / "remote.git", "show", f"env/{env}:manifests.yaml")
    return documents(text)


def config_literals(objects: list[dict[str, Any]]) -> dict[str, str]:
    [config] = [obj for obj in objects if obj["kind"] == "ConfigMap"]
    return dict(config["data"])


def images(objects: list[dict[str, Any]]) -> set[str]:
    return {
        container["image"]
        for obj in objects
        if obj["kind"] in {"Deployment", "Rollout"} and "template" in obj["spec"]
        for container in obj["spec"]["template"]["spec"]["containers"]
    }


def test_production_gets_exactly_what_staging_verified(repo: Path, artifacts_dir: Path) -> None:
    first = Promotion(git(repo, "rev-parse", "HEAD"), FIRST, MODEL_SHA256)
    deliver(repo, "staging", first)
    deliver(repo, "production", first)

    staging_literal = ("k8s/overlays/staging/kustomization.yaml", "APP_LOG_LEVEL=debug", "APP_LOG_LEVEL=info")
    source = commit_to_main(repo, "Log at info in staging", staging_literal)
    second = Promotion(source, SECOND, MODEL_SHA256)
    deliver(repo, "staging", second)
    with live_server(artifacts_dir, APP_GIT_REVISION=source, APP_IMAGE_DIGEST=SECOND) as staging:
        wait_for_revision(staging.url, Wanted(source, SECOND), timeout_s=30)
        smoke(staging.url)

    # A change to the base lands on main after staging was rendered and verified...
    base_literal = (
        "k8s/base/kustomization.yaml",
        "APP_LOG_JSON=true\n",
        f"APP_LOG_JSON=true\n      - {LATE_LITERAL}\n",
    )
    late = commit_to_main(repo, "Access log everywhere", base_literal)
    promotion = deliver(repo, "production", second)
    production = deployed(repo, "production")
    # ...yet production holds the commit staging verified, with its image, and not the later change.
    [image] = images(production)
    assert image.endswith(f"@{SECOND}")
    assert images(deployed(repo, "staging")) == {image}
    assert "APP_ACCESS_LOG" not in config_literals(production)
    # The later commit reaches production only through staging.
    with pytest.raises(Failure, match="staging never ran"):
        deliver(repo, "production", Promotion(late, SECOND, MODEL_SHA256))

    assert rollback(repo, "production", promotion, sleep=no_sleep).startswith("production: rolled back")
    assert images(deployed(repo, "production")) == {image.replace(SECOND, FIRST)}
    assert rollback(repo, "production", promotion, sleep=no_sleep).endswith("is already rolled back")
    subjects = git(repo.parent / "remote.git", "log", "--format=%s", "env/production").splitlines()
    assert subjects == [
        f'Revert "deploy(production): {source[:12]} {"2" * 12}"',
        f"deploy(production): {source[:12]} {'2' * 12}",
        f"deploy(production): {first.source[:12]} {'1' * 12}",
    ]
