"""The registry aliases `staging` and `production`: moved to the model an environment now serves.

Only when a tracking server is configured (MLFLOW_TRACKING_URI). The version is the one model.lock pins
when the image carries that model; else it is found by the ONNX model's sha256, which the image carries,
and a model not yet registered there is recorded and registered.
"""

from dataclasses import dataclass
from pathlib import Path

from .. import registry
from ..errors import Failure
from ..lock import ModelLock
from ..manifest import read_gate, require_manifest


@dataclass(frozen=True)
class Moved:
    name: str
    alias: str
    version: str
    registered: bool


def move_alias(artifacts: Path, alias: str, tracking_uri: str, pinned: ModelLock | None = None) -> Moved:
    if alias not in registry.ALIASES:
        raise Failure(f"--env {alias!r}: registry aliases are {', '.join(registry.ALIASES)}")
    manifest = require_manifest(artifacts)
    if manifest.onnx is None:
        raise Failure(f"{artifacts}: the model is not exported; run export first")
    client = registry.connect(tracking_uri)
    # Retraining on unchanged data registers the same file again: the alias names the version shipped.
    if pinned is not None and (pinned.name, pinned.sha256) == (manifest.name, manifest.onnx.sha256):
        version: str | None = pinned.version
    else:
        version = registry.version_with_model(client, manifest.name, manifest.onnx.sha256)
    registered = version is None
    if version is None:
        with registry.logged_run(client, manifest.name, manifest.version) as run_id:
            registry.log_model(client, run_id, artifacts, manifest, read_gate(artifacts))
        version = registry.register(client, manifest, run_id)
    registry.set_alias(client, manifest.name, alias, version)
    return Moved(manifest.name, alias, version, registered)
