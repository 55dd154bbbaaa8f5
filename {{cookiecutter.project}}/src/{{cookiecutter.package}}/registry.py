"""The MLflow model registry: references to registered versions, and the aliases environments move.

Training registers versions and the gate reads the champion; delivery moves the aliases. MLflow is an
optional extra (`uv sync --extra mlflow`) that the serving image never carries, so it is imported here
only when a registry is used.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import CliError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

# The aliases delivery points at the version each environment serves.
ALIASES = ("staging", "production")
MODEL_URI = re.compile(r"models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))")
# What MLflow answers for a registered model, version or alias that does not exist.
NOT_FOUND = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


@dataclass(frozen=True)
class ModelRef:
    """A registered model version, named by alias (models:/NAME@ALIAS) or by number (models:/NAME/3)."""

    name: str
    alias: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        return f"models:/{self.name}@{self.alias}" if self.alias else f"models:/{self.name}/{self.version}"


def parse_model_uri(text: str) -> ModelRef | None:
    """The reference in an MLflow model URI; None when `text` is not one (a file path, say)."""
    if not text.startswith("models:/"):
        return None
    match = MODEL_URI.fullmatch(text)
    if match is None:
        raise CliError(f"{text}: expected models:/<name>@<alias> or models:/<name>/<version>")
    return ModelRef(match["name"], match["alias"], match["version"])


def connect(tracking_uri: str | None) -> "MlflowClient":
    """A client for the tracking server and registry; None takes MLflow's own (MLFLOW_TRACKING_URI, else
    sqlite:///mlflow.db in the working directory)."""
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise CliError("MLflow is not installed; add it with `uv sync --extra mlflow`") from None
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def find_version(client: "MlflowClient", ref: ModelRef) -> "ModelVersion | None":
    """The version a reference names, or None when the model, version or alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        if ref.alias is not None:
            return client.get_model_version_by_alias(ref.name, ref.alias)
        return client.get_model_version(ref.name, str(ref.version))
    except MlflowException as error:
        if error.error_code in NOT_FOUND:
            return None
        raise CliError(f"{ref}: {first_line(error)}") from None


def version_for_run(client: "MlflowClient", name: str, run_id: str) -> str | None:
    """The number of the version of `name` registered from run `run_id`, if any."""
    versions = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
    return str(max(int(version.version) for version in versions)) if versions else None


def set_alias(client: "MlflowClient", name: str, alias: str, version: str) -> None:
    client.set_registered_model_alias(name, alias, version)


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
