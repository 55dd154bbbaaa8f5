"""The model card tells a reader what the model is, how good it is and what the gate said."""

from pathlib import Path

from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.card import write_card
from {{ cookiecutter.package }}.model.config import GateConfig
from {{ cookiecutter.package }}.model.gate import run_gate


def test_card_lists_metrics_features_and_data(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    card = write_card(artifacts_copy).read_text()
    assert card.startswith(f"# Model card: {manifest.name} {manifest.version}")
    for name, value in manifest.metrics.items():
        assert f"| {name} | {value:.4f} |" in card
    assert all(f"`{name}`" in card for name in manifest.feature_names)
    assert manifest.data_fingerprint in card
    assert "Not run yet" in card


def test_card_reports_the_gate_when_it_ran(artifacts_copy: Path) -> None:
    run_gate(artifacts_copy, GateConfig(latency_budget_ms=1e-6))
    card = write_card(artifacts_copy).read_text()
    assert "## Validation gate (FAILED)" in card
    assert "| latency p99 ms |" in card
