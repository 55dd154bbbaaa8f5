"""Where OIP clients send inference requests for the served model, and the data plane the codec tests
read requests with."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.plane import Plane
from {{ cookiecutter.package }}.serving.settings import ServerSettings


@pytest.fixture
def infer_path(manifest: ModelManifest) -> str:
    """The model's inference route, without a version (any version is served)."""
    return f"/v2/models/{manifest.name}/infer"


@pytest.fixture(scope="module")
def plane(artifacts_dir: Path) -> Plane:
    """The session's model, loaded with a batch limit of four rows."""
    return Plane.load(ServerSettings(model_dir=artifacts_dir, workers=1, max_batch_rows=4))
