"""Bake the template with cookiecutter itself, as a user would."""

import os
import socket
from pathlib import Path
from typing import Any

import httpx
from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
# Measurements tests report (image size, build time); conftest prints them after the run.
FIGURES: list[str] = []


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
