"""A registered candidate: train (or refit the best trial), export, gate against production, write its card
and track; a model that passed is registered and given the alias `candidate`. The training Job's command."""

from dataclasses import dataclass
from pathlib import Path

from .. import registry
from ..errors import Failure
from ..manifest import require_manifest
from .card import write_card
from .config import ModelConfig
from .dataset import Dataset
from .export import export_model
from .gate import run_gate
from .track import track_model
from .train import train_model


@dataclass(frozen=True)
class Candidate:
    name: str
    version: str
    run_id: str
    sha256: str


def build_candidate(
    config: ModelConfig,
    out: Path,
    tracking_uri: str | None,
    dataset: Dataset | None = None,
    parent_run: str | None = None,
) -> Candidate:
    """Every step of `make model` into `out`, then the registry; a failed gate registers nothing."""
    manifest = train_model(
        config.data,
        config.train,
        out,
        gate=config.gate,
        dataset=dataset,
        shadow=config.shadow,
        experiment=config.experiment,
    )
    export_model(out, config.gate.parity_tolerance)
    # Not worse than the version production serves, once there is one.
    champion = str(registry.ModelRef(manifest.name, alias="production"))
    code = run_gate(out, config.gate, champion, tracking_uri)
    write_card(out)
    tracked = track_model(out, tracking_uri, None)
    client = registry.connect(tracking_uri)
    if parent_run is not None:
        client.set_tag(tracked.run_id, registry.PARENT_RUN_TAG, parent_run)
    if code != 0 or tracked.version is None:
        raise Failure(
            f"the gate failed: run {tracked.run_id} is recorded, no version registered", exit_code=1
        )
    registry.set_alias(client, manifest.name, registry.CANDIDATE_ALIAS, tracked.version)
    onnx = require_manifest(out).onnx
    assert onnx is not None
    return Candidate(manifest.name, tracked.version, tracked.run_id, onnx.sha256)
