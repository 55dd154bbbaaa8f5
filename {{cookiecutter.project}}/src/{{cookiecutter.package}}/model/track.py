"""Record a trained model in MLflow: one run with its parameters, metrics and files; a registered version.

The run id goes into manifest.json (and so into the image and the model card). A version is registered
only for a model that passed the gate, so an alias can only ever point at a model fit to ship.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .. import registry
from ..errors import CliError
from ..manifest import (
    CARD_FILE,
    GATE_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    ModelManifest,
    Tracking,
    require_manifest,
    write_manifest,
)
from .card import write_card

if TYPE_CHECKING:
    from mlflow import MlflowClient

# Where a run keeps the model's files, so one directory holds what an image would ship and describe.
ARTIFACT_PATH = "model"
# MLflow takes at most this many params in one log_batch call.
BATCH_PARAMS = 100


@dataclass(frozen=True)
class Tracked:
    run_id: str
    experiment: str
    version: str | None


def track_model(artifacts: Path, tracking_uri: str | None, experiment: str | None) -> Tracked:
    """Log one run for the exported model in `artifacts` and register it when its gate passed."""
    manifest = require_manifest(artifacts)
    onnx = manifest.onnx
    if onnx is None:
        raise CliError(f"{artifacts}: the model is not exported yet; run export first")
    gate = read_gate(artifacts)
    client = registry.connect(tracking_uri)
    name = experiment or manifest.name
    run = client.create_run(experiment_id_for(client, name), run_name=manifest.version)
    run_id = run.info.run_id
    try:
        manifest = manifest.model_copy(update={"tracking": Tracking(run_id=run_id, experiment=name)})
        write_manifest(artifacts, manifest)
        write_card(artifacts)
        log_run(client, run_id, manifest, gate)
        for file in (onnx.file, MANIFEST_FILE, CARD_FILE, GATE_FILE, METRICS_FILE):
            if (artifacts / file).is_file():
                client.log_artifact(run_id, str(artifacts / file), ARTIFACT_PATH)
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    passed = gate is not None and gate.get("passed") is True
    return Tracked(run_id, name, register(client, manifest.name, run_id) if passed else None)


def read_gate(artifacts: Path) -> dict[str, Any] | None:
    path = artifacts / GATE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def experiment_id_for(client: "MlflowClient", name: str) -> str:
    """The experiment's id, creating it; a local SQLite store keeps its files in mlartifacts/ beside it."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(client.create_experiment(name, artifact_location=local_artifact_location(client.tracking_uri)))


def local_artifact_location(tracking_uri: str) -> str | None:
    """mlartifacts/ next to a local SQLite database, as `mlflow server` lays it out; else the server's."""
    parsed = urlparse(tracking_uri)
    if parsed.scheme != "sqlite" or not parsed.path or parsed.path == "/:memory:":
        return None
    # sqlite:///relative.db has the path "/relative.db"; sqlite:////abs/file.db has "//abs/file.db".
    database = Path(parsed.path[1:])
    return (database.resolve().parent / "mlartifacts").as_uri()


def log_run(
    client: "MlflowClient", run_id: str, manifest: ModelManifest, gate: dict[str, Any] | None
) -> None:
    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    params = [Param(key, str(value)) for key, value in run_params(manifest).items()]
    for start in range(0, len(params), BATCH_PARAMS):
        client.log_batch(run_id, params=params[start : start + BATCH_PARAMS])
    metrics = [Metric(key, value, now, 0) for key, value in run_metrics(manifest, gate).items()]
    tags = [RunTag(key, value) for key, value in run_tags(manifest, gate).items()]
    client.log_batch(run_id, metrics=metrics, tags=tags)


def run_params(manifest: ModelManifest) -> dict[str, Any]:
    """The estimator's hyperparameters, with what the model was trained on."""
    described = {
        "estimator": manifest.estimator,
        "estimator_class": manifest.estimator_class,
        "data_source": manifest.data_source,
        "task": manifest.task,
    }
    return {**described, **{f"model.{key}": value for key, value in manifest.params.items()}}


def run_metrics(manifest: ModelManifest, gate: dict[str, Any] | None) -> dict[str, float]:
    metrics = dict(manifest.metrics)
    if manifest.onnx is not None:
        metrics["onnx_parity_max_abs_diff"] = manifest.onnx.parity.max_abs_diff
    for check in (gate or {}).get("checks", []):
        if check.get("name") == "latency p99 ms" and check.get("value") is not None:
            metrics["latency_p99_ms"] = float(check["value"])
    return metrics


def run_tags(manifest: ModelManifest, gate: dict[str, Any] | None) -> dict[str, str]:
    tags = {"model_version": manifest.version, "data_fingerprint": manifest.data_fingerprint}
    if manifest.onnx is not None:
        tags["onnx_sha256"] = manifest.onnx.sha256
    tags["gate"] = "not run" if gate is None else ("passed" if gate.get("passed") is True else "failed")
    return tags


def register(client: "MlflowClient", name: str, run_id: str) -> str:
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    version = client.create_model_version(name, f"runs:/{run_id}/{ARTIFACT_PATH}", run_id=run_id)
    return str(version.version)
