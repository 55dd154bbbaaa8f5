"""Tracking on a real MLflow store (SQLite in tmp_path; no server, no mocks): runs, versions, champions."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package }} import registry
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import DATA_FILE, GATE_FILE, read_manifest
from {{ cookiecutter.package }}.model.config import GateConfig
from {{ cookiecutter.package }}.model.gate import run_gate
from {{ cookiecutter.package }}.model.track import track_model

from .gates import untimed_gate

if TYPE_CHECKING:  # MLflow takes a second to import: only the tests that use it pay for it
    from mlflow import MlflowClient


def passed_gate(artifacts: Path) -> Path:
    assert run_gate(artifacts, untimed_gate()) == 0
    return artifacts


def client_for(tracking_uri: str) -> "MlflowClient":
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def test_track_records_params_metrics_and_the_model_files(
    artifacts_copy: Path, tracking_uri: str, tmp_path: Path
) -> None:
    tracked = track_model(passed_gate(artifacts_copy), tracking_uri, None)
    manifest = read_manifest(artifacts_copy)
    assert manifest.tracking is not None
    assert (manifest.tracking.run_id, manifest.tracking.experiment) == (tracked.run_id, manifest.name)
    run = client_for(tracking_uri).get_run(tracked.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["estimator"] == manifest.estimator
    assert run.data.params["model.random_state"] == str(manifest.params["random_state"])
    assert {name: run.data.metrics[name] for name in manifest.metrics} == pytest.approx(manifest.metrics)
    assert {"onnx_parity_max_abs_diff", "latency_p99_ms"} <= set(run.data.metrics)
    assert run.data.tags["data_fingerprint"] == manifest.data_fingerprint
    assert run.data.tags["gate"] == "passed"
    files = {item.path for item in client_for(tracking_uri).list_artifacts(tracked.run_id, "model")}
    # data.json (the files read, with their versions) exists when the data came from files, not a bundled set.
    listed = [DATA_FILE] if (artifacts_copy / DATA_FILE).exists() else []
    names = ["model.onnx", "manifest.json", "MODEL_CARD.md", "gate.json", "metrics.json", *listed]
    assert files == {f"model/{name}" for name in names}
    # The run's files sit beside the database, not in the working directory.
    assert (tmp_path / "mlartifacts").is_dir()


def test_a_model_that_passed_the_gate_becomes_the_next_version(
    artifacts_copy: Path, tracking_uri: str
) -> None:
    first = track_model(passed_gate(artifacts_copy), tracking_uri, None)
    second = track_model(artifacts_copy, tracking_uri, None)
    assert (first.version, second.version) == ("1", "2")
    client = client_for(tracking_uri)
    name = read_manifest(artifacts_copy).name
    assert client.get_model_version(name, "2").run_id == second.run_id
    assert client.get_model_version(name, "2").source == f"runs:/{second.run_id}/model"


def test_a_model_that_failed_the_gate_is_recorded_but_not_registered(
    artifacts_copy: Path, tracking_uri: str
) -> None:
    assert run_gate(artifacts_copy, GateConfig(latency_budget_ms=1e-9)) == 1
    tracked = track_model(artifacts_copy, tracking_uri, "trials")
    assert tracked.version is None
    client = client_for(tracking_uri)
    assert client.get_run(tracked.run_id).data.tags["gate"] == "failed"
    assert client.search_registered_models() == []


def test_track_needs_an_exported_model(artifacts_copy: Path, tracking_uri: str) -> None:
    manifest = read_manifest(artifacts_copy).model_copy(update={"onnx": None})
    (artifacts_copy / "manifest.json").write_text(manifest.model_dump_json())
    with pytest.raises(Failure, match="run export first"):
        track_model(artifacts_copy, tracking_uri, None)


def gate_checks(artifacts: Path) -> dict[str, bool]:
    report = json.loads((artifacts / GATE_FILE).read_text())
    return {check["name"]: check["passed"] for check in report["checks"]}


def test_validate_takes_the_champion_from_the_production_alias(
    artifacts_copy: Path, tracking_uri: str
) -> None:
    tracked = track_model(passed_gate(artifacts_copy), tracking_uri, None)
    manifest = read_manifest(artifacts_copy)
    client = client_for(tracking_uri)
    assert tracked.version is not None
    registry.set_alias(client, manifest.name, "production", tracked.version)
    champion = f"models:/{manifest.name}@production"
    assert run_gate(artifacts_copy, untimed_gate(), champion, tracking_uri) == 0
    assert {f"{name} vs champion" for name in manifest.metrics} <= set(gate_checks(artifacts_copy))


def test_a_better_production_model_fails_the_gate(artifacts_copy: Path, tracking_uri: str) -> None:
    manifest = read_manifest(passed_gate(artifacts_copy))
    track_model(artifacts_copy, tracking_uri, None)
    client = client_for(tracking_uri)
    better = {
        name: value * 0.5 if name in {"log_loss", "rmse", "mae"} else value + 0.5
        for name, value in manifest.metrics.items()
    }
    experiment = client.get_experiment_by_name(manifest.name)
    assert experiment is not None
    run = client.create_run(experiment.experiment_id)
    for name, value in better.items():
        client.log_metric(run.info.run_id, name, value)
    version = client.create_model_version(manifest.name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    registry.set_alias(client, manifest.name, "production", str(version.version))
    assert run_gate(artifacts_copy, untimed_gate(), f"models:/{manifest.name}@production", tracking_uri) == 1
    assert [name for name, passed in gate_checks(artifacts_copy).items() if not passed] == [
        f"{name} vs champion" for name in sorted(manifest.metrics)
    ]


def test_no_production_version_yet_lets_the_first_model_ship(artifacts_copy: Path, tracking_uri: str) -> None:
    track_model(passed_gate(artifacts_copy), tracking_uri, None)
    name = read_manifest(artifacts_copy).name
    assert run_gate(artifacts_copy, untimed_gate(), f"models:/{name}@production", tracking_uri) == 0
    assert gate_checks(artifacts_copy)["champion"] is True
    assert run_gate(artifacts_copy, untimed_gate(), "models:/never-registered@production", tracking_uri) == 0


def test_a_champion_without_comparable_metrics_fails(artifacts_copy: Path, tracking_uri: str) -> None:
    name = read_manifest(passed_gate(artifacts_copy)).name
    track_model(artifacts_copy, tracking_uri, None)
    client = client_for(tracking_uri)
    experiment = client.get_experiment_by_name(name)
    assert experiment is not None
    run = client.create_run(experiment.experiment_id)
    client.log_metric(run.info.run_id, "throughput", 1.0)
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    assert run_gate(artifacts_copy, untimed_gate(), f"models:/{name}/{version.version}", tracking_uri) == 1
    assert gate_checks(artifacts_copy)["champion metrics"] is False
