"""Bake every combination and check what comes out: file set, no leftover Jinja, parseable config."""

import ast
import contextlib
import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml
from baking import CHOICES, PROJECT_TEMPLATE, bake, default, project_env

LEFTOVER_JINJA = re.compile(r"\{\{-? ?cookiecutter|\{%|%\}|\{#")
# The paths an answer leaves out of the bake, stated here apart from the post-generation hook's own
# table, which is what this test checks.
OPTION_PATHS = {
    ("include_preview", False): (
        "k8s/overlays/preview",
        "argocd/preview-appset.yaml",
        "argocd/preview-project.yaml",
    ),
    ("traffic", "ingress"): (
        "k8s/base/httproute.yaml",
        "k8s/base/gateway-api-transform.yaml",
        "k8s/overlays/production/services.yaml",
        "k8s/overlays/production/analysistemplate-shadow.yaml",
        "k8s/platform",
        "k8s/components/experiment",
        "tests/infra/test_gateway.py",
        "tests/infra/test_shadow_analysis.py",
        "tests/infra/test_experiment_stage.py",
    ),
    ("traffic", "gateway-api"): ("k8s/base/ingress.yaml", "tests/infra/test_ingress.py"),
}


def expected_files(answers: dict[str, Any]) -> set[str]:
    """The template's own tree, with the package directory renamed and disabled options pruned."""
    package = answers.get("package", answers.get("project", default("project")).replace("-", "_"))
    files = set()
    for path in PROJECT_TEMPLATE.rglob("*"):
        relative = path.relative_to(PROJECT_TEMPLATE).as_posix()
        if path.is_file() and "__pycache__" not in relative:
            files.add(relative.replace("{{cookiecutter.package}}", package))
    for (option, value), owned in OPTION_PATHS.items():
        if answers.get(option, default(option)) == value:
            files = {f for f in files if not any(f == p or f.startswith(p + "/") for p in owned)}
    return files


def baked_files(project: Path) -> set[str]:
    return {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}


def parse(path: Path) -> object:
    text = path.read_text()
    if path.suffix in {".yaml", ".yml"}:
        return list(yaml.safe_load_all(text))
    if path.suffix == ".toml" or path.name == "uv.lock":
        return tomllib.loads(text)
    return json.loads(text)


def test_bake_produces_exactly_the_expected_files(tmp_path: Path, combination: dict[str, Any]) -> None:
    project = bake(tmp_path, **combination)
    assert project.name == combination.get("project", default("project"))
    assert baked_files(project) == expected_files(combination)


def test_bake_leaves_no_jinja_and_every_config_file_parses(
    tmp_path: Path, combination: dict[str, Any]
) -> None:
    project = bake(tmp_path, **combination)
    for path in project.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        assert not LEFTOVER_JINJA.search(text), f"unrendered Jinja in {path.relative_to(project)}"
        if path.suffix in {".yaml", ".yml", ".toml", ".json"} or path.name == "uv.lock":
            assert parse(path) is not None, path


def test_workflow_expressions_survive_baking(tmp_path: Path) -> None:
    project = bake(tmp_path)
    workflows = "".join(p.read_text() for p in (project / ".github/workflows").glob("*.yml"))
    assert "${{ github." in workflows


def test_bake_records_its_context_for_cruft(tmp_path: Path, combination: dict[str, Any]) -> None:
    project = bake(tmp_path, **combination)
    state = json.loads((project / ".cruft.json").read_text())
    context = state["context"]["cookiecutter"]
    for key, value in combination.items():
        assert context[key] == value
    rebaked = bake(tmp_path / "again", **{k: v for k, v in context.items() if not k.startswith("_")})
    assert baked_files(rebaked) == baked_files(project)
    for name in baked_files(project):
        assert (rebaked / name).read_bytes() == (project / name).read_bytes(), name


def test_baked_lock_is_consistent_with_pyproject(tmp_path: Path, combination: dict[str, Any]) -> None:
    project = bake(tmp_path, **combination)
    result = subprocess.run(
        ["uv", "lock", "--check"],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def module_level_values(path: Path) -> dict[str, Any]:
    """Tuples of literals and `Literal[...]` aliases assigned at the top of a module, by name."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if not (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            continue
        value = node.value
        if isinstance(value, ast.Subscript) and ast.unparse(value.value) == "Literal":
            value = value.slice
        with contextlib.suppress(ValueError):
            values[node.targets[0].id] = ast.literal_eval(value)
    return values


def test_generated_model_config_offers_exactly_the_prompt_choices(tmp_path: Path) -> None:
    """The model config, wherever it lives in the package, accepts the datasets and estimators offered."""
    project = bake(tmp_path)
    configs = [
        values
        for path in sorted((project / "src").rglob("*.py"))
        if {"BUNDLED_DATASETS", "Estimator"} <= (values := module_level_values(path)).keys()
    ]
    assert len(configs) == 1, "expected one module defining BUNDLED_DATASETS and Estimator"
    assert set(configs[0]["BUNDLED_DATASETS"]) == set(CHOICES["dataset"])
    assert set(configs[0]["Estimator"]) == set(CHOICES["estimator"])
