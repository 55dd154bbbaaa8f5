"""Run-time configuration from `APP_*` variables: the base every area's settings class derives from.

Each area declares only what it reads: `runtime.settings.RuntimeSettings` (the model and its checks),
`serving.settings.ServerSettings` and `batch.settings.BatchSettings` on top of it, and
`TrackingSettings` here for every command that talks to MLflow. Each is built once, where a command or
a server worker starts, and passed down; no module below reads the environment itself.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import Failure


def cpu_limit() -> int:
    """CPUs this process may use: the cgroup quota when one is set, else the affinity mask."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            return max(1, int(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class AppSettings(BaseSettings):
    """Every value comes from an `APP_`-prefixed variable (or `.env`); the defaults suit a laptop."""

    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore", frozen=True)


class TrackingSettings(AppSettings):
    """Where MLflow is: training logs runs there, delivery moves the registry's aliases there."""

    # Named as MLflow names it, because MLflow's own client reads the same variable.
    mlflow_tracking_uri: str | None = Field(
        None,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "APP_MLFLOW_TRACKING_URI"),
        description="MLflow tracking server whose registry aliases delivery moves; unset, they stay",
    )


Settings = TypeVar("Settings", bound="AppSettings")


def read_settings(kind: type[Settings], options: Mapping[str, Any] | None = None) -> Settings:
    """`kind` from the environment, with a command's `options` over it. An invalid value is a Failure
    naming where it came from, the option (`--port`) or the variable (`APP_PORT`), in one line."""
    options = options or {}
    try:
        return kind(**options)
    except ValidationError as error:
        problem = error.errors()[0]
        if not problem["loc"]:  # a check across fields: its message names them
            raise Failure(f"settings: {problem['msg']}") from None
        field = str(problem["loc"][0])
        source = f"--{field.replace('_', '-')}" if field in options else variable_of(kind, field)
        raise Failure(f"{source}: {problem['msg']}") from None


def variable_of(kind: type[AppSettings], field: str) -> str:
    """The environment variable a field is read from: its alias's first choice, else APP_<FIELD>."""
    info = kind.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"{kind.model_config.get('env_prefix', '')}{field}".upper()


def setting_sources() -> list[type[AppSettings]]:
    """Every settings class of the package, for the check that .env.example lists them all."""
    found: list[type[AppSettings]] = []
    pending = [AppSettings]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found
