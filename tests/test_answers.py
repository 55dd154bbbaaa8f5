"""Answers nobody picked by hand: each valid one bakes a clean project, each invalid one is refused.

Seeded (derandomized) and reproducible. TEMPLATE_EXAMPLES sets the number of examples per test
(30 by default), e.g. `TEMPLATE_EXAMPLES=200 uv run pytest tests/test_answers.py`.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from answers import Breakage, broken_answers, valid_answers
from baking import bake
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, Phase, given, settings
from readers import kustomize, paragraphs, unquote_dockerfile

EXAMPLES = settings(
    max_examples=int(os.environ.get("TEMPLATE_EXAMPLES", "30")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    # A bake takes about a second: report the failing example as found rather than shrink it for minutes.
    phases=[Phase.explicit, Phase.generate],
)
RUFF = Path(sys.executable).with_name("ruff")
DOCKERFILE_DESCRIPTION = re.compile(r'org\.opencontainers\.image\.description=("(?:[^"\\]|\\.)*")')


def assert_ruff_clean(project: Path) -> None:
    """ruff with the bake's own configuration, as its `make check` runs it."""
    for command in (
        [str(RUFF), "check", "--no-cache", "--quiet", "."],
        [str(RUFF), "format", "--check", "--no-cache", "--quiet", "."],
    ):
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{' '.join(command[1:3])}:\n{result.stdout}{result.stderr}"


def parse(path: Path) -> Any:
    if path.suffix in {".yaml", ".yml"}:
        return list(yaml.safe_load_all(path.read_text()))
    if path.suffix == ".json":
        return json.loads(path.read_text())
    return tomllib.loads(path.read_text())


def assert_answers_as_typed(project: Path, answers: dict[str, Any]) -> None:
    """Every YAML, TOML and JSON file parses, and holds each answer it carries as typed."""
    parsed = {
        path.relative_to(project).as_posix(): parse(path)
        for path in project.rglob("*")
        if path.suffix in {".yaml", ".yml", ".toml", ".json"} or path.name == "uv.lock"
    }
    name, description, author = answers["project"], answers["description"], answers["author"]
    assert parsed["pyproject.toml"]["project"]["description"] == description
    assert parsed["pyproject.toml"]["project"]["authors"] == [{"name": author}]
    assert parsed["argocd/project.yaml"][0]["spec"]["description"] == description
    assert parsed["argocd/project.yaml"][0]["metadata"]["name"] == name
    assert parsed["k8s/base/kustomization.yaml"][0]["labels"][0]["pairs"]["app.kubernetes.io/name"] == name
    if answers["include_preview"]:
        github = parsed["argocd/preview-appset.yaml"][0]["spec"]["generators"][0]["pullRequest"]["github"]
        assert (github["owner"], github["repo"]) == (answers["github_owner"], name)
    if answers["traffic"] == "gateway-api":
        [parent] = parsed["k8s/base/httproute.yaml"][0]["spec"]["parentRefs"]
        assert (parent["name"], parent["namespace"]) == (
            answers["gateway_name"],
            answers["gateway_namespace"],
        )
    cruft = parsed[".cruft.json"]
    assert cruft["context"]["cookiecutter"] == {**answers, "_template": cruft["template"]}
    assert description in paragraphs((project / "README.md").read_text())
    label = DOCKERFILE_DESCRIPTION.search((project / "Dockerfile").read_text())
    assert label, "no description label in the Dockerfile"
    assert unquote_dockerfile(label[1]) == description


def assert_overlays_render(project: Path, answers: dict[str, Any]) -> None:
    overlays = sorted(path.name for path in (project / "k8s/overlays").iterdir())
    assert overlays == ["preview", "production", "staging"][not answers["include_preview"] :]
    for overlay in overlays:
        objects = {obj["kind"]: obj for obj in kustomize(project / "k8s/overlays" / overlay)}
        if overlay == "preview":
            continue
        if answers["traffic"] == "gateway-api":
            assert objects["HTTPRoute"]["spec"]["hostnames"] == [answers[f"{overlay}_host"]]
        else:
            assert objects["Ingress"]["spec"]["rules"][0]["host"] == answers[f"{overlay}_host"]


@EXAMPLES
@given(answers=valid_answers())
def test_every_valid_answer_bakes_a_project_that_lints_parses_and_renders(answers: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        project = bake(Path(scratch), **answers)
        assert_ruff_clean(project)
        assert_answers_as_typed(project, answers)
        assert_overlays_render(project, answers)


@EXAMPLES
@given(breakage=broken_answers())
def test_every_invalid_answer_gets_one_line_and_leaves_nothing(
    breakage: Breakage, capfd: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        with pytest.raises(FailedHookException):
            bake(Path(scratch), **breakage.answers)
        assert list(Path(scratch).iterdir()) == []
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ml-template:")]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"ml-template: invalid {breakage.field}="), lines[0]
