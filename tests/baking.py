"""Bake the template with cookiecutter itself, as a user would, and the answers the tests bake with."""

import importlib.util
import itertools
import json
import os
import socket
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import httpx
from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project}}"
# The prompts and their defaults, as cookiecutter reads them; choice prompts are lists, default first.
PROMPTS: dict[str, Any] = {
    key: value
    for key, value in json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()).items()
    if not key.startswith("_")
}
CHOICES: dict[str, list[str]] = {key: value for key, value in PROMPTS.items() if isinstance(value, list)}
TOGGLES: dict[str, bool] = {key: value for key, value in PROMPTS.items() if isinstance(value, bool)}
# Options whose values interact (the task decides the estimator class): every pair of values is baked.
INTERACTING = ("dataset", "estimator")
# Free text as a user might type it, with characters that YAML, TOML, JSON, Dockerfiles, shells and
# Markdown each treat specially.
TYPED_TEXT: dict[str, str] = {
    "description": 'Scores "fraud" & <risk> for $TEAM\'s {ops} \\ naïve # 100%',
    "author": "O'Brien & Søn <ml@example.com>",
}
# Free-form identity answers away from the defaults, each spread over one combination.
IDENTITIES: list[dict[str, Any]] = [
    {"project": "fraud-scorer", "package": "fraud"},
    {
        "github_owner": "data-team-42",
        "staging_host": "a.b.example.org",
        "gateway_name": "edge",
        "gateway_namespace": "infra",
        "gateway_proxy_namespace": "envoy-gateway-system",
    },
    TYPED_TEXT,
]
# Every answer, valid, spelled out: the base for hook unit tests.
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
    "traffic": "gateway-api",
    "gateway_name": "public",
    "gateway_namespace": "gateway-system",
    "gateway_proxy_namespace": "envoy-gateway-system",
    "include_preview": True,
}
# Measurements tests report (image size, build time); conftest prints them after the run.
FIGURES: list[str] = []


def load_hook(name: str) -> ModuleType:
    """A hook as a module, unrendered: its functions and generated tables are plain Python."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE_DIR / "hooks" / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def default(key: str) -> Any:
    return CHOICES[key][0] if key in CHOICES else PROMPTS[key]


def build_combinations() -> list[dict[str, Any]]:
    """Every pair of interacting values; other choices cycle, so each value of each option appears.

    Each combination holds only the answers that differ from the defaults, so the first one is `{}`.
    """
    first, second = INTERACTING
    others = [key for key in CHOICES if key not in INTERACTING]
    combinations = []
    for index, pair in enumerate(itertools.product(CHOICES[first], CHOICES[second])):
        answers: dict[str, Any] = dict(zip(INTERACTING, pair, strict=True))
        answers |= {key: CHOICES[key][index % len(CHOICES[key])] for key in others}
        combinations.append(answers)
    for offset, (key, value) in enumerate(TOGGLES.items(), start=1):
        combinations[offset][key] = not value
    for offset, identity in enumerate(IDENTITIES, start=1):
        combinations[-offset] |= identity
    return [{k: v for k, v in answers.items() if v != default(k)} for answers in combinations]


COMBINATIONS = build_combinations()


class Invalid(NamedTuple):
    answers: dict[str, Any]
    message: str


# Each entry must stop generation with `message` on stderr and leave no output directory.
INVALID: list[Invalid] = [
    Invalid({"project": "My Project"}, "invalid project='My Project': must be lowercase letters"),
    Invalid({"project": "9lives"}, "invalid project='9lives': must be lowercase letters"),
    Invalid({"project": "ends-with-"}, "invalid project='ends-with-'"),
    Invalid({"project": "a" * 41}, "must be at most 40 characters"),
    Invalid({"package": "my-package"}, "invalid package='my-package': must be a lowercase Python identifier"),
    Invalid({"package": "class"}, "invalid package='class'"),
    Invalid({"package": "p" * 41}, "must be at most 40 characters"),
    Invalid({"package": "json"}, "invalid package='json': must not shadow a standard-library module"),
    Invalid({"project": "test"}, "invalid package='test': must not shadow a standard-library module"),
    Invalid(
        {"project": "numpy"}, "invalid package='numpy': must not shadow a module of the dependency numpy"
    ),
    Invalid({"package": "yaml"}, "invalid package='yaml': must not shadow a module of the dependency pyyaml"),
    Invalid({"project": "tests"}, "invalid package='tests': must not shadow a module of the generated"),
    Invalid({"description": "tab\there"}, "invalid description='tab\\there': must be one line"),
    Invalid({"description": "ends with a space "}, "must not start or end with whitespace"),
    Invalid({"author": " "}, "invalid author=' ': must not be empty"),
    Invalid({"github_owner": "-org"}, "invalid github_owner='-org': must be a GitHub user"),
    Invalid({"github_owner": "Data-Team"}, "invalid github_owner='Data-Team': must be a GitHub user"),
    Invalid({"github_owner": "o" * 40}, "invalid github_owner="),
    Invalid({"staging_host": "localhost"}, "invalid staging_host='localhost': must be a lowercase DNS name"),
    Invalid({"staging_host": "Bad_Host.example.com"}, "invalid staging_host='Bad_Host.example.com'"),
    Invalid({"production_host": "10.0.0.1"}, "invalid production_host='10.0.0.1'"),
    Invalid(
        {"staging_host": "same.example.com", "production_host": "same.example.com"},
        "invalid production_host='same.example.com': must differ from staging_host",
    ),
    Invalid({"gateway_name": "Public"}, "invalid gateway_name='Public': must be a Kubernetes name"),
    Invalid({"gateway_namespace": "g" * 64}, "invalid gateway_namespace="),
    Invalid({"gateway_proxy_namespace": "no"}, "invalid gateway_proxy_namespace='no': must not be a word"),
    # Choices and toggles are refused by cookiecutter itself, before any hook runs.
    Invalid({"python_version": "3.9"}, "python_version"),
    Invalid({"dataset": "mnist"}, "dataset"),
    Invalid({"estimator": "svm"}, "estimator"),
    Invalid({"include_preview": "maybe"}, "include_preview"),
    Invalid({"traffic": "istio"}, "traffic"),
]


def combination_id(answers: dict[str, Any]) -> str:
    shown = {key: "typed" if key in TYPED_TEXT else value for key, value in answers.items()}
    return ",".join(f"{key}={value}" for key, value in shown.items()) or "defaults"


def bake(output_dir: Path, **answers: Any) -> Path:
    """Bake with the defaults overridden by `answers`; return the generated project directory."""
    project = cookiecutter(
        str(TEMPLATE_DIR),
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        accept_hooks=True,
    )
    return Path(project)


def project_env() -> dict[str, str]:
    """The environment for commands run inside a baked project, free of this repo's virtualenv.

    A uv installed through a pyenv shim exports PYENV_VERSION, which would hide every other Python
    from the baked project's uv; and a baked project must never resolve into our .venv.
    """
    leaked = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYENV_VERSION", "PYENV_DIR"}
    return {key: value for key, value in os.environ.items() if key not in leaked}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_ready(url: str, timeout_s: float) -> bool:
    """One readiness probe: whether `url`/readyz answers 200 now."""
    try:
        return httpx.get(f"{url}/readyz", timeout=timeout_s).status_code == 200
    except httpx.TransportError:
        return False
