"""MLflow: a model's runs and registered versions, and the aliases environments move.

Training records runs and registers versions, the gate reads the champion, and delivery registers the
model it ships and moves the aliases. MLflow is an optional extra (`uv sync --extra mlflow`) that the
serving image never carries, so it is imported here only when a tracking store is used.
"""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .errors import Failure, first_line
from .manifest import (
    CARD_FILE,
    DATA_FILE,
    GATE_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    CheckKind,
    GateReport,
    ModelManifest,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

# The alias of the newest registered version that passed the gate; `propose` pins it in model.lock.
CANDIDATE_ALIAS = "candidate"
MODEL_URI = re.compile(r"models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))")
# What MLflow answers for a registered model, version or alias that does not exist.
NOT_FOUND = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})
# Where a run keeps the model's files, so one directory holds what an image ships and describes.
ARTIFACT_PATH = "model"
# MLflow shows a run under the run this tag names (mlflow/utils/mlflow_tags.py).
PARENT_RUN_TAG = "mlflow.parentRunId"
# MLflow takes at most this many params in one log_batch call.
BATCH_PARAMS = 100


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
        raise Failure(f"{text}: expected models:/<name>@<alias> or models:/<name>/<version>")
    return ModelRef(match["name"], match["alias"], match["version"])


def connect(tracking_uri: str | None) -> "MlflowClient":
    """A client for the tracking server and registry; None takes MLflow's own (MLFLOW_TRACKING_URI, else
    sqlite:///mlflow.db in the working directory)."""
    try:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException
    except ImportError:
        raise Failure("MLflow is not installed; add it with `uv sync --extra mlflow`") from None
    try:
        return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    except MlflowException as error:  # a scheme no store answers to, e.g. a typo in the URI
        raise Failure(f"tracking URI {tracking_uri!r}: {first_line(error)}") from None


def client_errors() -> type[Exception]:
    """What MLflow's client raises for a server that refused or could not be reached."""
    from mlflow.exceptions import MlflowException

    return MlflowException


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
        raise Failure(f"{ref}: {first_line(error)}", exit_code=1) from None


def set_alias(client: "MlflowClient", name: str, alias: str, version: str) -> None:
    client.set_registered_model_alias(name, alias, version)


@contextmanager
def logged_run(client: "MlflowClient", experiment: str, run_name: str) -> Iterator[str]:
    """A new run in the experiment (created when new; a local SQLite store keeps its files beside it),
    ended FINISHED when the block completes and FAILED when it raises."""
    experiment_id = ensure_experiment(client, experiment)
    run_id = str(client.create_run(experiment_id, run_name=run_name).info.run_id)
    with run_status(client, run_id):
        yield run_id


@contextmanager
def run_status(client: "MlflowClient", run_id: str) -> Iterator[None]:
    """End the run FINISHED when the block completes and FAILED when it raises."""
    try:
        yield
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")


def ensure_experiment(client: "MlflowClient", experiment: str) -> str:
    """The experiment's id; created when new, a local SQLite store keeping its files beside it. The shards
    of a search start at once: one creates it, and the others find it."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(experiment)
    if found is not None:
        return str(found.experiment_id)
    location = local_artifact_location(client.tracking_uri)
    try:
        return str(client.create_experiment(experiment, artifact_location=location))
    except MlflowException as error:
        if (
            error.error_code != "RESOURCE_ALREADY_EXISTS"
            or (found := client.get_experiment_by_name(experiment)) is None
        ):
            raise
        return str(found.experiment_id)


def local_artifact_location(tracking_uri: str) -> str | None:
    """mlartifacts/ next to a local SQLite database, as `mlflow server` lays it out; else the server's."""
    parsed = urlparse(tracking_uri)
    if parsed.scheme != "sqlite" or not parsed.path or parsed.path == "/:memory:":
        return None
    # sqlite:///relative.db has the path "/relative.db"; sqlite:////abs/file.db has "//abs/file.db".
    return (Path(parsed.path[1:]).resolve().parent / "mlartifacts").as_uri()


def log_model(
    client: "MlflowClient", run_id: str, artifacts: Path, manifest: ModelManifest, gate: GateReport | None
) -> None:
    """Parameters, metrics, tags and the model's files (under model/) into a run."""
    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    params = [Param(key, str(value)) for key, value in run_params(manifest).items()]
    for start in range(0, len(params), BATCH_PARAMS):
        client.log_batch(run_id, params=params[start : start + BATCH_PARAMS])
    metrics = [Metric(key, value, now, 0) for key, value in run_metrics(manifest, gate).items()]
    tags = [RunTag(key, value) for key, value in run_tags(manifest, gate).items()]
    client.log_batch(run_id, metrics=metrics, tags=tags)
    onnx = manifest.onnx.file if manifest.onnx else ""
    for file in (onnx, MANIFEST_FILE, CARD_FILE, GATE_FILE, METRICS_FILE, DATA_FILE):
        if file and (artifacts / file).is_file():
            client.log_artifact(run_id, str(artifacts / file), ARTIFACT_PATH)


def run_params(manifest: ModelManifest) -> dict[str, Any]:
    """The estimator's hyperparameters, with what the model was trained on."""
    described = {
        "estimator": manifest.estimator,
        "estimator_class": manifest.estimator_class,
        "data_source": manifest.data_source,
        "task": manifest.task,
        "decision_threshold": manifest.decision_threshold,
    }
    return {**described, **{f"model.{key}": value for key, value in manifest.params.items()}}


def run_metrics(manifest: ModelManifest, gate: GateReport | None) -> dict[str, float]:
    metrics = {**manifest.metrics, **{f"baseline_{name}": value for name, value in manifest.baseline.items()}}
    if manifest.onnx is not None:
        metrics["onnx_parity_max_abs_diff"] = manifest.onnx.parity.max_abs_diff
    latency = gate.find(CheckKind.LATENCY_P99_MS) if gate is not None else None
    if latency is not None and latency.value is not None:
        metrics["latency_p99_ms"] = latency.value
    return metrics


def run_tags(manifest: ModelManifest, gate: GateReport | None) -> dict[str, str]:
    tags = {"model_version": manifest.version, "data_fingerprint": manifest.data_fingerprint}
    if manifest.onnx is not None:
        tags["onnx_sha256"] = manifest.onnx.sha256
    tags["gate"] = "not run" if gate is None else ("passed" if gate.passed else "failed")
    return tags


def register(client: "MlflowClient", manifest: ModelManifest, run_id: str) -> str:
    """The run's model as the next version of the registered model `manifest.name`, tagged with its
    ONNX sha256 so that delivery can find the version an image carries."""
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(manifest.name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    tags = {"onnx_sha256": manifest.onnx.sha256} if manifest.onnx else {}
    source = f"runs:/{run_id}/{ARTIFACT_PATH}"
    return str(client.create_model_version(manifest.name, source, run_id, tags).version)


def download_version(client: "MlflowClient", name: str, version: str, into: Path) -> Path:
    """The files of a registered version, as the registry serves them (through the tracking server)."""
    from mlflow.artifacts import download_artifacts

    source = client.get_model_version_download_uri(name, version)
    # Not models:/ with explicit URIs: MLflow would resolve those against its default registry.
    return Path(download_artifacts(artifact_uri=source, dst_path=str(into), tracking_uri=client.tracking_uri))


def version_with_model(client: "MlflowClient", name: str, sha256: str) -> str | None:
    """The newest version of `name` whose ONNX model has this sha256, if any."""
    query = f"name = '{name}' and tags.onnx_sha256 = '{sha256}'"
    versions = client.search_model_versions(query)
    return str(max(int(version.version) for version in versions)) if versions else None
