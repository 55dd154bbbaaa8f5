"""The whole delivery, offline: staging pin, verification against a real server, production pin, rollback."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.gitops import publish, rollback
from {{ cookiecutter.package }}.delivery.overlays import read_digest, set_image
from {{ cookiecutter.package }}.delivery.probes import fetch, smoke, wait_for_revision
from {{ cookiecutter.package }}.errors import CliError

PROJECT = Path(__file__).resolve().parents[1]
RELEASE = "sha256:" + "1" * 64
REVISION = "0123456789abcdef0123456789abcdef01234567"
pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone (as CI checks it out) of a bare remote holding this project's k8s/ directory."""
    seed = tmp_path / "seed"
    shutil.copytree(PROJECT / "k8s", seed / "k8s")
    git(seed, "init", "--quiet", "--initial-branch=main")
    git(seed, "add", ".")
    git(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "seed")
    subprocess.run(["git", "clone", "--quiet", "--bare", str(seed), str(tmp_path / "remote.git")], check=True)
    clone = tmp_path / "ci"
    subprocess.run(["git", "clone", "--quiet", str(tmp_path / "remote.git"), str(clone)], check=True)
    git(clone, "config", "user.name", "delivery-test")
    git(clone, "config", "user.email", "delivery-test@example.com")
    return clone


@pytest.fixture
def server(artifacts_dir: Path) -> Iterator[str]:
    """The real server on a free local port, reporting REVISION as an image built from it would."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "APP_MODEL_DIR": str(artifacts_dir),
        "APP_GIT_REVISION": REVISION,
        "APP_HOST": "127.0.0.1",
        "APP_PORT": str(port),
        "APP_WORKERS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "{{ cookiecutter.package }}", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_ready(url: str, process: "subprocess.Popen[bytes]", timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        try:
            fetch(f"{url}/readyz")
            return
        except CliError:
            time.sleep(0.2)
    pytest.fail(f"the server was not ready within {timeout_s}s")


def rendered_images(repo: Path) -> dict[str, set[str]]:
    """Every container image each overlay renders to, as Argo CD would apply it."""
    images: dict[str, set[str]] = {}
    for env in ("staging", "production"):
        output = subprocess.run(
            ["kubectl", "kustomize", str(repo / "k8s" / "overlays" / env)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        images[env] = {
            container["image"]
            for document in yaml.safe_load_all(output)
            if document and document["kind"] == "Deployment"
            for container in document["spec"]["template"]["spec"]["containers"]
        }
    return images


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
