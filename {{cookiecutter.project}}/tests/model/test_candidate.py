"""A candidate is every step of `make model` and then the registry: only a model that passed the gate gets
a version, and that version the alias `candidate` (SQLite MLflow store in tmp_path)."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }} import registry
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.candidate import build_candidate
from {{ cookiecutter.package }}.model.config import ModelConfig

from .gates import untimed_gate


def test_a_candidate_that_passed_is_the_version_aliased_candidate(
    model_config: ModelConfig, tracking_uri: str, tmp_path: Path
) -> None:
    config = model_config.model_copy(update={"gate": untimed_gate(model_config.gate)})
    built = build_candidate(config, tmp_path / "out", tracking_uri)
    version = registry.connect(tracking_uri).get_model_version_by_alias(built.name, registry.CANDIDATE_ALIAS)
    assert (str(version.version), version.run_id) == (built.version, built.run_id)
    manifest = read_manifest(tmp_path / "out")
    assert manifest.onnx is not None
    assert manifest.onnx.sha256 == built.sha256
    assert (tmp_path / "out" / "MODEL_CARD.md").is_file()


def test_a_candidate_that_failed_the_gate_registers_nothing(
    model_config: ModelConfig, tracking_uri: str, tmp_path: Path
) -> None:
    gate = model_config.gate.model_copy(update={"latency_budget_ms": 1e-9})
    with pytest.raises(Failure, match=r"^the gate failed: run \w+ is recorded, no version registered$"):
        build_candidate(model_config.model_copy(update={"gate": gate}), tmp_path / "out", tracking_uri)
    name = read_manifest(tmp_path / "out").name
    assert registry.connect(tracking_uri).search_model_versions(f"name = '{name}'") == []
