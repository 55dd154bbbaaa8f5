"""Record a trained model in MLflow: one run with its parameters, metrics and files; a registered version.

The run id goes into manifest.json (and so into the image and the model card). A version is registered
only for a model that passed the gate, so an alias can only ever point at a model fit to ship.
"""

from dataclasses import dataclass
from pathlib import Path

from .. import registry
from ..errors import Failure
from ..manifest import Tracking, read_gate, require_manifest, write_manifest
from .card import write_card


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
        raise Failure(f"{artifacts}: the model is not exported yet; run export first")
    gate = read_gate(artifacts)
    client = registry.connect(tracking_uri)
    name = experiment or manifest.name
    with registry.logged_run(client, name, manifest.version) as run_id:
        manifest = manifest.model_copy(update={"tracking": Tracking(run_id=run_id, experiment=name)})
        write_manifest(artifacts, manifest)
        write_card(artifacts)
        registry.log_model(client, run_id, artifacts, manifest, gate)
    passed = gate is not None and gate.passed
    return Tracked(run_id, name, registry.register(client, manifest, run_id) if passed else None)
