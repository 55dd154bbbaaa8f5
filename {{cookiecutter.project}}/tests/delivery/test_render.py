"""Rendering an environment reads k8s/ at the source commit only, pins the digests, and says what it holds."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.kustomize import documents
from {{ cookiecutter.package }}.delivery.render import render_environment
from {{ cookiecutter.package }}.errors import Failure

from .. import PROJECT_DIR
from ..repos import git

DIGEST = "sha256:" + "d" * 64
BATCH_DIGEST = "sha256:" + "b" * 64
TRAIN_DIGEST = "sha256:" + "c" * 64


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit holds this project's k8s/."""
    shutil.copytree(PROJECT_DIR / "k8s", tmp_path / "k8s")
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "k8s")
    return tmp_path


@pytest.mark.slow
def test_render_reads_the_commit_not_the_working_tree(repo: Path) -> None:
    source = git(repo, "rev-parse", "HEAD")
    overlay = repo / "k8s" / "overlays" / "staging" / "kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("APP_LOG_LEVEL=debug", "APP_LOG_LEVEL=error"))
    path = render_environment(repo, "staging", source, DIGEST, repo / "out")
    text = path.read_text()
    assert text.startswith(
        f"# Rendered by `render --env staging` from k8s/overlays/staging at commit {source}\n"
    )
    assert "by kustomize v5." in text
    objects = documents(text)
    [config] = [obj for obj in objects if obj["kind"] == "ConfigMap"]
    assert config["data"]["APP_LOG_LEVEL"] == "debug"
    [deployment] = [obj for obj in objects if obj["kind"] == "Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(f"@{DIGEST}")
    # Nothing of the render lands in the repository's own overlays.
    assert DIGEST not in overlay.read_text()


@pytest.mark.parametrize(
    ("env", "source", "message"),
    [
        ("staging", "HEAD", "not a full 40-character commit id"),
        ("staging", "main", "not a full 40-character commit id"),
        ("staging", "0" * 40, "is not in this clone"),
        ("preview", None, "cannot render 'preview'"),
        ("prod", None, "cannot render 'prod'"),
    ],
)
def test_render_refuses_what_it_cannot_pin_down(
    repo: Path, env: str, source: str | None, message: str
) -> None:
    with pytest.raises(Failure, match=message):
        render_environment(repo, env, source or git(repo, "rev-parse", "HEAD"), DIGEST, repo / "out")
    assert not (repo / "out").exists()


def test_render_refuses_a_malformed_digest(repo: Path) -> None:
    with pytest.raises(Failure, match="malformed digest"):
        render_environment(repo, "staging", git(repo, "rev-parse", "HEAD"), "sha256:abc", repo / "out")


def commit_component(repo: Path, env: str, batch_entry: bool = True, component: str = "batch") -> str:
    """Turn a component on in `env`, as a user does, and commit it; return the commit."""
    overlay = repo / "k8s" / "overlays" / env / "kustomization.yaml"
    text = overlay.read_text() + f"\ncomponents:\n  - ../../components/{component}\n"
    if not batch_entry:
        text = re.sub(r"  - name: \S+-batch\n    digest: \S+\n", "", text)
    overlay.write_text(text)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", "batch")
    return git(repo, "rev-parse", "HEAD")


def images(path: Path) -> dict[str, str]:
    """kind -> the image of its first container, in a rendered file."""
    found = {}
    for obj in documents(path.read_text()):
        spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj.get("spec", {})
        if isinstance(spec.get("template"), dict):
            found[obj["kind"]] = spec["template"]["spec"]["containers"][0]["image"]
    return found


@pytest.mark.slow
def test_render_pins_both_images_and_tells_the_server_its_digest(repo: Path) -> None:
    """The server cannot see its own image digest; render puts it in the config /model reads it from,
    so that a rebuild of the same commit is told apart from the pods it replaces."""
    source = commit_component(repo, "production")
    render_environment(repo, "production", source, DIGEST, repo / "out", BATCH_DIGEST)
    manifests, batch = images(repo / "out" / "manifests.yaml"), images(repo / "out" / "batch.yaml")
    assert {image.split("@")[1] for image in manifests.values()} == {DIGEST}
    # The batch workloads, apart: production takes them only once its canary is promoted.
    assert list(batch) == ["CronJob"]
    assert batch["CronJob"] == manifests["Deployment"].split("@")[0] + f"-batch@{BATCH_DIGEST}"
    objects = list(yaml.safe_load_all((repo / "out" / "manifests.yaml").read_text()))
    configs = [
        obj for obj in objects if obj and obj["kind"] == "ConfigMap" and "APP_IMAGE_DIGEST" in obj["data"]
    ]
    assert [config["data"]["APP_IMAGE_DIGEST"] for config in configs] == [DIGEST]


@pytest.mark.slow
def test_render_refuses_an_image_the_overlay_does_not_pin(repo: Path) -> None:
    """An image without an `images:` entry would run whatever its registry calls latest."""
    source = commit_component(repo, "staging", batch_entry=False)
    with pytest.raises(Failure, match="-batch is not pinned"):
        render_environment(repo, "staging", source, DIGEST, repo / "out", BATCH_DIGEST)


@pytest.mark.slow
def test_render_pins_the_training_image_with_the_server_s(repo: Path) -> None:
    """The training CronJobs run the training image of the commit the environment runs, published with
    the server (they register candidates and serve nothing, so no canary holds them back)."""
    source = commit_component(repo, "production", component="training")
    render_environment(repo, "production", source, DIGEST, repo / "out", BATCH_DIGEST, TRAIN_DIGEST)
    objects = documents((repo / "out" / "manifests.yaml").read_text())
    trainers = {
        container["image"]
        for obj in objects
        if obj["kind"] == "CronJob"
        for container in obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    }
    server = images(repo / "out" / "manifests.yaml")["Deployment"].split("@")[0]
    assert trainers == {f"{server}-train@{TRAIN_DIGEST}"}
    assert not (repo / "out" / "batch.yaml").exists()
