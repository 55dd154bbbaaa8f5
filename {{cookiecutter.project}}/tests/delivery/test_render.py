"""Rendering an environment reads k8s/ at the source commit only, pins the digest, and says what it holds."""

import shutil
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.render import render_environment
from {{ cookiecutter.package }}.errors import CliError

from .. import PROJECT_DIR
from .repos import git

DIGEST = "sha256:" + "d" * 64


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
        f"# Rendered by `render --env staging` from k8s/overlays/staging at commit {source},"
    )
    objects = [document for document in yaml.safe_load_all(text) if document]
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
    with pytest.raises(CliError, match=message):
        render_environment(repo, env, source or git(repo, "rev-parse", "HEAD"), DIGEST, repo / "out")
    assert not (repo / "out").exists()


def test_render_refuses_a_malformed_digest(repo: Path) -> None:
    with pytest.raises(CliError, match="malformed digest"):
        render_environment(repo, "staging", git(repo, "rev-parse", "HEAD"), "sha256:abc", repo / "out")
