"""The kustomize every render runs: the standalone release when installed, else kubectl's, else a clear
refusal; its failures and its version as the rendered header names them."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery import kustomize
from {{ cookiecutter.package }}.errors import Failure


def test_kubectl_s_copy_renders_when_kustomize_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda tool: None if tool == "kustomize" else f"/bin/{tool}")
    assert kustomize.kustomize_command() == ["kubectl", "kustomize"]


def test_without_either_tool_the_render_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _tool: None)
    with pytest.raises(Failure, match="neither kustomize nor kubectl is on PATH"):
        kustomize.kustomize_command()


def test_a_broken_kustomization_fails_naming_the_directory(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [\n")
    with pytest.raises(Failure, match=f"{tmp_path} failed"):
        kustomize.kustomize(tmp_path)


def test_the_version_names_a_release() -> None:
    assert kustomize.kustomize_version().startswith("kustomize v")
