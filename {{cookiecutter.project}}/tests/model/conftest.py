"""The model commands, run in process as `python -m <package>` would run them; a table with categories."""

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.model.cli import add_model_commands
from {{ cookiecutter.package }}.model.config import DataConfig, TrainConfig

from ..sharing import shared_dir, shared_path
from ..stores import Stores


@pytest.fixture
def run_command() -> Callable[..., int]:
    """Parse argv with the model commands and run the chosen handler; a Failure propagates."""

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser()
        add_model_commands(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(argv)
        return int(args.handler(args))

    return run


@pytest.fixture(scope="session")
def penguins_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Palmer penguins as a user's file: string columns (island, sex) and missing values in both kinds."""
    from palmerpenguins import load_penguins

    path = tmp_path_factory.mktemp("penguins") / "penguins.csv"
    load_penguins().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def penguins_artifacts(request: pytest.FixtureRequest, penguins_csv: Path) -> Path:
    """Histogram gradient boosting trained on the penguins file and exported, once a run."""

    def train_and_export(artifacts: Path) -> None:
        from {{ cookiecutter.package }}.model.export import export_model
        from {{ cookiecutter.package }}.model.train import train_model

        data = DataConfig(source=str(penguins_csv), target="species")
        train_model(data, TrainConfig(estimator="gradient_boosting"), artifacts, name="penguins")
        export_model(artifacts, tolerance=1e-4)

    return shared_path(shared_dir(request.config), "penguins-artifacts", train_and_export)


@pytest.fixture
def in_store(object_store: Stores, monkeypatch: pytest.MonkeyPatch) -> Stores:
    """This process set up as a training pod: the store's endpoint and credentials in its environment."""
    for key, value in object_store.env().items():
        monkeypatch.setenv(key, value)
    return object_store
