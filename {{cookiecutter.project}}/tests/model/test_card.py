"""The model card tells a reader what the model is, how good it is and what the gate said."""

import shutil
from pathlib import Path

from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.card import write_card
from {{ cookiecutter.package }}.model.checks import plain
from {{ cookiecutter.package }}.model.config import GateConfig
from {{ cookiecutter.package }}.model.gate import run_gate
from {{ cookiecutter.package }}.model.track import track_model


def test_card_lists_metrics_features_and_data(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    card = write_card(artifacts_copy).read_text()
    assert card.startswith(f"# Model card: {manifest.name} {manifest.version}")
    for name, value in manifest.metrics.items():
        assert f"| {name} | {plain(value)} | {plain(manifest.baseline[name])} |" in card
    assert all(f"`{name}`" in card for name in manifest.feature_names)
    assert manifest.data_fingerprint in card
    assert "Not run yet" in card


def test_card_reports_the_gate_when_it_ran(artifacts_copy: Path) -> None:
    run_gate(artifacts_copy, GateConfig(latency_budget_ms=1e-6))
    card = write_card(artifacts_copy).read_text()
    assert "## Validation gate (FAILED)" in card
    assert "| latency p99 ms |" in card


def test_card_lists_hyperparameters(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    card = write_card(artifacts_copy).read_text()
    assert f"## Hyperparameters\n\nOf {manifest.estimator_class}, as fitted." in card
    assert f"| random_state | `{manifest.params['random_state']!r}` |" in card


def test_card_lists_categories_with_their_shares(penguins_artifacts: Path, tmp_path: Path) -> None:
    card = write_card(Path(shutil.copytree(penguins_artifacts, tmp_path / "model"))).read_text()
    assert "## Categorical features" in card
    assert "| 1 | `sex` | text | female (" in card


def test_card_names_the_training_run_once_tracked(artifacts_copy: Path, tracking_uri: str) -> None:
    assert "- Training run: not recorded" in write_card(artifacts_copy).read_text()
    tracked = track_model(artifacts_copy, tracking_uri, None)
    assert f"MLflow run `{tracked.run_id}`" in (artifacts_copy / "MODEL_CARD.md").read_text()


def test_card_shows_the_split_and_for_classifiers_each_class(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    card = write_card(artifacts_copy).read_text()
    evaluation = manifest.evaluation
    assert evaluation is not None
    assert f"| train | {evaluation.train.rows} |" in card
    assert f"| held out | {evaluation.test.rows} |" in card
    if manifest.classes:
        assert "## Per class" in card
        assert all(f"| `{name}` | " in card for name in manifest.classes)
        assert sum(map(sum, evaluation.confusion)) == evaluation.test.rows
    else:
        assert "## Per class" not in card


def test_card_numbers_are_plain() -> None:
    assert [plain(value) for value in (123456.7, 0.000012, 0.97368, 2.0)] == [
        "123,457",
        "0.000012",
        "0.9737",
        "2",
    ]
