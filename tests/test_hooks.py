"""The hooks as units, and as cookiecutter runs them: bad answers stop generation and leave nothing."""

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from baking import TEMPLATE_DIR
from conftest import INVALID, Invalid

VALID_ANSWERS: dict[str, Any] = {
    "project": "ml-service",
    "package": "ml_service",
    "description": "A model",
    "author": "Team",
    "github_owner": "my-org",
    "python_version": "3.13",
    "dataset": "wine",
    "estimator": "linear",
    "staging_host": "ml.staging.example.com",
    "production_host": "ml.example.com",
    "include_preview": True,
}


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, TEMPLATE_DIR / "hooks" / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")


def test_valid_answers_pass() -> None:
    assert pre_gen.find_error(VALID_ANSWERS) is None


@pytest.mark.parametrize(
    "case", [case for case in INVALID if set(case.answers) <= set(pre_gen.CHECKS) | {"production_host"}]
)
def test_find_error_names_field_value_and_rule(case: Invalid) -> None:
    assert case.message in pre_gen.find_error({**VALID_ANSWERS, **case.answers})


@pytest.mark.parametrize(("field", "value"), [("dataset", "mnist"), ("python_version", "3.9")])
def test_find_error_rejects_unknown_choices(field: str, value: str) -> None:
    assert pre_gen.find_error({**VALID_ANSWERS, field: value}) == (
        f"invalid {field}={value!r}: must be one of " + ", ".join(pre_gen.CHOICES[field])
    )


def test_project_of_maximum_length_is_accepted() -> None:
    assert pre_gen.find_error({**VALID_ANSWERS, "project": "a" * pre_gen.MAX_PROJECT_LENGTH}) is None


def test_post_gen_prunes_only_paths_of_disabled_options(tmp_path: Path) -> None:
    (tmp_path / "k8s/overlays/preview").mkdir(parents=True)
    (tmp_path / "argocd").mkdir()
    (tmp_path / "argocd/preview-appset.yaml").write_text("kind: ApplicationSet\n")
    (tmp_path / "argocd/staging.yaml").write_text("kind: Application\n")
    assert post_gen.paths_to_prune({"include_preview": True}) == []
    post_gen.prune(tmp_path, post_gen.paths_to_prune({"include_preview": False}))
    remaining = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert remaining == {"k8s", "k8s/overlays", "argocd", "argocd/staging.yaml"}


def test_invalid_answer_stops_generation_with_message_and_no_output(tmp_path: Path, invalid: Invalid) -> None:
    extra = [f"{key}={value}" for key, value in invalid.answers.items()]
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE_DIR), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert invalid.message in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []
