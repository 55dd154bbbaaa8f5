"""The serving tests' app: `client` talks to it in process, built fresh for every test; `server`
(and `two_workers`) is the real process, shared by the tests that only send it requests."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ..servers import LiveServer, live_server


@pytest.fixture
def model_dir(request: pytest.FixtureRequest, artifacts_dir: Path, tmp_path: Path) -> Path:
    """The model the app serves: the session's, or a copy changed by the function a test passes.

    Parametrize it indirectly with such a function to serve a damaged or edited model.
    """
    change: Callable[[Path], None] | None = getattr(request, "param", None)
    if change is None:
        return artifacts_dir
    copy = Path(shutil.copytree(artifacts_dir, tmp_path / "model"))
    change(copy)
    return copy


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """ServerSettings beyond the defaults; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def settings(model_dir: Path, app_settings: dict[str, Any]) -> ServerSettings:
    return ServerSettings(model_dir=model_dir, workers=1, log_json=True, **app_settings)


@pytest.fixture
def client(settings: ServerSettings) -> TestClient:
    """The app in process; a server error comes back as a 500, as a real client would see it."""
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def server(artifacts_dir: Path) -> Iterator[LiveServer]:
    """`python -m <package> serve` with the default settings, started once per test process."""
    with live_server(artifacts_dir) as running:
        yield running


@pytest.fixture(scope="session")
def two_workers(artifacts_dir: Path) -> Iterator[LiveServer]:
    """The same with --workers 2, shared the same way: its users only send requests."""
    with live_server(artifacts_dir, workers=2) as running:
        yield running
