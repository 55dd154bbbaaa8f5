"""`register`: record in the registry the model an environment now serves, by pointing the alias of
the environment's name (`staging`, `production`) at its version.

Only when a tracking server is configured (MLFLOW_TRACKING_URI). The version is the one model.lock pins
when the image carries that model; else it is found by the ONNX model's sha256, which the image carries,
and a model not yet registered there is recorded and registered as a new version first.
"""

from dataclasses import dataclass
from pathlib import Path

from .. import registry
from ..errors import Failure
from ..lock import ModelLock
from ..manifest import read_gate, require_manifest
from .environments import DELIVERED


@dataclass(frozen=True)
class Registration:
    """The alias now names `version` of model `name`; `new_version`: that version was created for it."""

    name: str
    alias: str
    version: str
    new_version: bool


def register(artifacts: Path, env: str, tracking_uri: str, pinned: ModelLock | None = None) -> Registration:
    """Point the alias `env` at the model in `artifacts`, registering a version of it first when the
    registry has none."""
    if env not in DELIVERED:
        raise Failure(f"--env {env!r}: registry aliases are {', '.join(DELIVERED)}")
    manifest = require_manifest(artifacts)
    if manifest.onnx is None:
        raise Failure(f"{artifacts}: the model is not exported; run export first")
    client = registry.connect(tracking_uri)
    # Retraining on unchanged data registers the same file again: the alias names the version shipped.
    if pinned is not None and (pinned.name, pinned.sha256) == (manifest.name, manifest.onnx.sha256):
        version: str | None = pinned.version
    else:
        version = registry.version_with_model(client, manifest.name, manifest.onnx.sha256)
    new_version = version is None
    if version is None:
        with registry.logged_run(client, manifest.name, manifest.version) as run_id:
            registry.log_model(client, run_id, artifacts, manifest, read_gate(artifacts))
        version = registry.register(client, manifest, run_id)
    registry.set_alias(client, manifest.name, env, version)
    return Registration(manifest.name, env, version, new_version)
