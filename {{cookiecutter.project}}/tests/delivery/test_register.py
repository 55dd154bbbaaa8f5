"""`register`: the registry aliases against a real MLflow store (SQLite in tmp_path; no server, no mocks)."""

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package }} import registry
from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.delivery.register import register
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.lock import ModelLock
from {{ cookiecutter.package }}.manifest import read_manifest, write_manifest

if TYPE_CHECKING:  # MLflow takes a second to import: only the tests that use it pay for it
    from mlflow import MlflowClient


def client_for(tracking_uri: str) -> "MlflowClient":
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


@pytest.fixture
def model(artifacts_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(artifacts_dir, tmp_path / "model"))


def test_the_first_alias_registers_the_model_and_the_next_finds_it(model: Path, tracking_uri: str) -> None:
    staging = register(model, "staging", tracking_uri)
    production = register(model, "production", tracking_uri)
    assert (staging.version, staging.new_version) == ("1", True)
    assert (production.version, production.new_version) == ("1", False)
    client = client_for(tracking_uri)
    name = read_manifest(model).name
    assert client.get_registered_model(name).aliases == {"staging": 1, "production": 1}
    version = client.get_model_version(name, "1")
    assert version.tags["onnx_sha256"] == read_manifest(model).onnx.sha256  # type: ignore[union-attr]


def test_another_model_becomes_a_new_version_and_takes_the_alias(model: Path, tracking_uri: str) -> None:
    register(model, "production", tracking_uri)
    manifest = read_manifest(model)
    assert manifest.onnx is not None
    other = manifest.onnx.model_copy(update={"sha256": "0" * 64})
    write_manifest(model, manifest.model_copy(update={"onnx": other}))
    assert register(model, "production", tracking_uri).version == "2"
    client = client_for(tracking_uri)
    ref = registry.ModelRef(manifest.name, alias="production")
    found = registry.find_version(client, ref)
    assert found is not None
    assert str(found.version) == "2"


def test_the_alias_names_the_version_model_lock_pins_when_a_later_one_has_the_same_file(
    model: Path, tracking_uri: str
) -> None:
    """A retrain on unchanged data registers the same file again as a newer version: the environment's
    alias still names the version the lock pins, the one that was reviewed (its run, its data listing)."""
    first = register(model, "staging", tracking_uri)
    manifest = read_manifest(model)
    assert manifest.onnx is not None
    client = client_for(tracking_uri)
    pinned = client.get_model_version(manifest.name, first.version)
    client.create_model_version(
        manifest.name, str(pinned.source), pinned.run_id, {"onnx_sha256": manifest.onnx.sha256}
    )
    files = {"manifest.json": "c" * 64, "gate.json": "d" * 64}
    lock = ModelLock(
        name=manifest.name, version=first.version, sha256=manifest.onnx.sha256, run_id="b" * 32, files=files
    )
    assert register(model, "production", tracking_uri).version == "2"
    assert register(model, "production", tracking_uri, pinned=lock).version == first.version


def test_only_the_environment_aliases_move(model: Path, tracking_uri: str) -> None:
    with pytest.raises(Failure, match="registry aliases are staging, production"):
        register(model, "preview", tracking_uri)


def test_without_a_tracking_server_the_command_changes_nothing(
    model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A workflow passes an unset repository variable as an empty string.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    assert main(["register", "--env", "staging", "--artifacts", str(model)]) == 0
    assert (
        capsys.readouterr().out
        == "no tracking server configured (MLFLOW_TRACKING_URI); registry aliases unchanged\n"
    )


def test_the_command_moves_the_alias_of_the_configured_server(
    model: Path, tracking_uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    assert main(["register", "--env", "staging", "--artifacts", str(model)]) == 0
    name = read_manifest(model).name
    assert capsys.readouterr().out.endswith(f"aliased: models:/{name}@staging is version 1\n")
