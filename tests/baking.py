"""Bake the template with cookiecutter itself, as a user would."""

from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]


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
