"""Fixtures for every area: one model trained and exported with the real code, once per test session."""

import shutil
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest, read_manifest
from {{ cookiecutter.package }}.model.config import ModelConfig, load_config

from . import PROJECT_DIR


@pytest.fixture(scope="session")
def model_config() -> ModelConfig:
    """The project's own model.toml, so tests exercise the dataset and estimator it ships with."""
    return load_config(PROJECT_DIR / "model.toml")


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory, model_config: ModelConfig) -> Path:
    """A directory with model.onnx, manifest.json and the training leftovers export and the gate read."""
    # Imported here, not at the top: pytest-xdist's controller process loads this file but runs no
    # test, and scikit-learn takes seconds to import.
    from {{ cookiecutter.package }}.model.export import export_model
    from {{ cookiecutter.package }}.model.train import train_model

    artifacts = tmp_path_factory.mktemp("artifacts")
    train_model(model_config.data, model_config.train, artifacts, name="test-model")
    export_model(artifacts, model_config.gate.parity_tolerance)
    return artifacts


@pytest.fixture(scope="session")
def manifest(artifacts_dir: Path) -> ModelManifest:
    return read_manifest(artifacts_dir)


@pytest.fixture
def artifacts_copy(artifacts_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session artifacts for tests that change or add files."""
    return Path(shutil.copytree(artifacts_dir, tmp_path / "artifacts"))
