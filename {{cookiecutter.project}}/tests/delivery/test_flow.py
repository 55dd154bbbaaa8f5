"""The whole delivery, offline: staging pin, verification against a real server, production pin, rollback."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.gitops import publish, rollback
from {{ cookiecutter.package }}.delivery.overlays import read_digest, set_image
from {{ cookiecutter.package }}.delivery.probes import smoke, wait_for_revision

from .. import PROJECT_DIR
from ..servers import live_server
from .k8s import deployment_images
from .repos import bare_remote, clone, git

RELEASE = "sha256:" + "1" * 64
REVISION = "0123456789abcdef0123456789abcdef01234567"
pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone (as CI checks it out) of a bare remote holding this project's k8s/ directory."""
    seed = tmp_path / "seed"
    shutil.copytree(PROJECT_DIR / "k8s", seed / "k8s")
    return clone(bare_remote(seed, tmp_path / "remote.git"), tmp_path / "ci")


@pytest.fixture
def server(artifacts_dir: Path) -> Iterator[str]:
    """The real server on a free local port, reporting REVISION as an image built from it would."""
    with live_server(artifacts_dir, APP_GIT_REVISION=REVISION) as running:
        yield running.url


def rendered_images(repo: Path) -> dict[str, set[str]]:
    """The image each overlay's Deployment runs, as Argo CD would apply it."""
    return {env: deployment_images(repo / "k8s" / "overlays" / env) for env in ("staging", "production")}


def deliver(repo: Path, env: str, digest: str) -> None:
    set_image(repo, env, digest)
    publish(repo, f"deploy({env}) {REVISION}", [f"k8s/overlays/{env}"], sleep=lambda _: None)


def test_delivery_pins_staging_verifies_promotes_and_rolls_back(repo: Path, server: str) -> None:
    overlay = repo / "k8s" / "overlays" / "production" / "kustomization.yaml"
    image = str(yaml.safe_load(overlay.read_text())["images"][0]["name"])
    initial = read_digest(overlay.read_text())

    deliver(repo, "staging", RELEASE)
    assert rendered_images(repo) == {"staging": {f"{image}@{RELEASE}"}, "production": {f"{image}@{initial}"}}

    wait_for_revision(server, REVISION, timeout_s=30)
    smoke(server)

    deliver(repo, "production", RELEASE)
    assert rendered_images(repo) == {"staging": {f"{image}@{RELEASE}"}, "production": {f"{image}@{RELEASE}"}}

    assert rollback(repo, "production", sleep=lambda _: None) == initial
    assert rendered_images(repo) == {"staging": {f"{image}@{RELEASE}"}, "production": {f"{image}@{initial}"}}
    remote = repo.parent / "remote.git"
    assert git(remote, "log", "--format=%s", "main").splitlines()[:3] == [
        f'Revert "deploy(production) {REVISION}"',
        f"deploy(production) {REVISION}",
        f"deploy(staging) {REVISION}",
    ]
