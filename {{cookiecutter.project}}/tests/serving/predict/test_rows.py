"""The body limit follows the row limit: the largest batch a client may send always fits."""

import json

from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.predict.rows import CATEGORY_BYTES, largest_body
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ...rows import largest_row


def test_the_largest_batch_at_full_precision_is_accepted(
    client: TestClient, manifest: ModelManifest, settings: ServerSettings
) -> None:
    rows = [largest_row(manifest, CATEGORY_BYTES)] * settings.max_batch_rows
    body = json.dumps({"rows": rows}, indent=2).encode()
    response = client.post("/predict", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:200]
    assert len(response.json()["predictions"]) == settings.max_batch_rows
    # Derived, not arbitrary: room for the largest batch, not a multiple of it.
    assert len(body) < largest_body(manifest, settings.max_batch_rows) < 2 * len(body)


def test_one_row_more_is_refused_for_its_rows(
    client: TestClient, manifest: ModelManifest, settings: ServerSettings
) -> None:
    rows = [largest_row(manifest, CATEGORY_BYTES)] * (settings.max_batch_rows + 1)
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 413
    assert f"the limit is {settings.max_batch_rows}" in response.json()["error"]
