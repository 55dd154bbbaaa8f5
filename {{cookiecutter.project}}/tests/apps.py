"""The app in process, for every area that asks it something: the serving tests, the runtime tests
(whose readiness reports what the data plane found) and batch scoring (which must answer as it does).
A pytest plugin of the root conftest, so each area reads the fixtures without importing another's.

`client` is built fresh for every test, from `settings`: the model of `model_dir` (which a test may
damage) and a module's own `app_settings`.
"""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings


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
