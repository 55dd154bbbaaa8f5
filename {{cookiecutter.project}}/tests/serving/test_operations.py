"""The Operations routes in process: liveness, readiness and the model's manifest."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"git_revision": "abc1234"}


def test_liveness_and_readiness_answer_once_the_model_is_loaded(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True}


def test_model_returns_the_manifest_with_the_git_revision(
    client: TestClient, manifest: ModelManifest
) -> None:
    body = client.get("/model").json()
    assert body["git_revision"] == "abc1234"
    assert body["version"] == manifest.version
    assert body["digest"] == manifest.digest
    assert [feature["name"] for feature in body["features"]] == manifest.feature_names
    assert "library_versions" not in body
    # Nothing a client does not need: the training file's path, the tracking run, the hyperparameters.
    assert not {"data_source", "tracking", "params"} & body.keys()


def test_model_lists_library_versions_only_when_a_setting_allows(settings: ServerSettings) -> None:
    client = TestClient(create_app(settings.model_copy(update={"expose_library_versions": True})))
    assert "scikit-learn" in client.get("/model").json()["library_versions"]
