"""Where OIP clients send inference requests for the served model."""

import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest


@pytest.fixture
def infer_path(manifest: ModelManifest) -> str:
    """The model's inference route, without a version (any version is served)."""
    return f"/v2/models/{manifest.name}/infer"
