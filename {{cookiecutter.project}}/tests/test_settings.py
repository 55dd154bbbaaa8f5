"""Only the settings modules may read the environment, and .env.example documents every setting they read."""

import re
from pathlib import Path

from pydantic import AliasChoices

import {{ cookiecutter.package }}
from {{ cookiecutter.package }}.batch.settings import BatchSettings
from {{ cookiecutter.package }}.serving.settings import ServerSettings
from {{ cookiecutter.package }}.settings import TrackingSettings, setting_sources

from . import PROJECT_DIR

PACKAGE_DIR = Path({{ cookiecutter.package }}.__file__).parent


def test_only_settings_reads_the_environment() -> None:
    readers = re.compile(r"os\.environ|os\.getenv|getenv\(")
    offenders = [
        str(path.relative_to(PACKAGE_DIR))
        for path in PACKAGE_DIR.rglob("*.py")
        if path.name != "settings.py" and readers.search(path.read_text())
    ]
    assert offenders == []


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^#? ?(\w+)=", (PROJECT_DIR / ".env.example").read_text(), re.MULTILINE))
    # A field named as another tool reads it (PROMETHEUS_MULTIPROC_DIR, MLFLOW_TRACKING_URI) lists that name.
    fields = {
        str(field.validation_alias.choices[0])
        if isinstance(field.validation_alias, AliasChoices)
        else f"APP_{name.upper()}"
        for source in setting_sources()
        for name, field in source.model_fields.items()
    }
    assert fields - listed == set()


def test_every_area_s_settings_class_is_found() -> None:
    assert {ServerSettings, BatchSettings, TrackingSettings} <= set(setting_sources())
