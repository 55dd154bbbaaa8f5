"""Strict categories (APP_STRICT_CATEGORIES) refuse a category training never saw over /predict, OIP and
in batch scoring alike, naming the feature, the value and the known ones."""

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.manifest import CategoricalFeature, ModelManifest

from ..rows import oip_inputs, typical_rows


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"strict_categories": True}


def unseen_row(manifest: ModelManifest) -> tuple[dict[str, Any], str, CategoricalFeature]:
    if not manifest.categorical:
        pytest.skip("the model has no category column")
    feature = manifest.categorical[-1]
    return {**typical_rows(manifest)[0], feature.name: "never seen"}, feature.name, feature


def test_strict_mode_refuses_an_unseen_category_naming_feature_value_and_known_ones(
    client: TestClient, manifest: ModelManifest
) -> None:
    row, name, feature = unseen_row(manifest)
    response = client.post("/predict", json={"rows": [typical_rows(manifest)[0], row]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error.startswith(f"rows[1].{name}: 'never seen' is not a category training saw; send one of")
    assert all(repr(category)[:30] in error for category in feature.categories[:10])
    assert client.post("/predict", json={**row, name: None}).status_code == 200, "missing is no category"
    inputs = oip_inputs(manifest, [row])
    answer = client.post(f"/v2/models/{manifest.name}/infer", json={"inputs": inputs})
    assert answer.status_code == 400
    assert f"({name}): 'never seen' is not a category training saw" in answer.json()["error"]


def test_strict_batch_scoring_refuses_the_rows_with_unseen_categories(
    manifest: ModelManifest, artifacts_dir: Path, tmp_path: Path
) -> None:
    row, name, _ = unseen_row(manifest)
    pq.write_table(pa.Table.from_pylist([typical_rows(manifest)[0], row]), tmp_path / "rows.parquet")
    errors = tmp_path / "errors.parquet"
    job = Job(tmp_path / "rows.parquet", tmp_path / "scores.parquet", errors, None, [], 16, strict=True)
    assert run_job(job, artifacts_dir, threads=1).refused == 1
    refused = pq.read_table(errors).to_pylist()
    assert [(item["row"], item["column"]) for item in refused] == [(1, name)]
    assert refused[0]["error"].startswith("'never seen' is not a category training saw")
