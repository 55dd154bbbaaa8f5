"""A binary model's decision threshold labels every answer: /predict, OIP, batch scoring and the metrics
all read the model's own `label` output, which export thresholded, never the likelier class."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.batch.score import Job, run_job
from {{ cookiecutter.package }}.manifest import read_manifest, write_manifest

from ..rows import as_feed, oip_inputs, onnx_outputs, typical_rows

ROWS = 40


def threshold_between(positive: np.ndarray) -> float:
    """A threshold that labels some rows otherwise than 0.5 does, with rows on both of its sides."""
    values = np.unique(positive)
    middles = (values[:-1] + values[1:]) / 2
    moved = [abs(int((positive >= t).sum()) - int((positive >= 0.5).sum())) for t in middles]
    return float(middles[int(np.argmax(moved))])


def rethreshold(model_dir: Path) -> None:
    """Export the model again with a threshold that relabels some typical rows (binary models only)."""
    from {{ cookiecutter.package }}.model.export import export_model

    manifest = read_manifest(model_dir)
    if manifest.task != "binary":
        return
    positive = onnx_outputs(model_dir, as_feed(manifest, typical_rows(manifest, ROWS)))["probabilities"][:, 1]
    write_manifest(model_dir, manifest.model_copy(update={"decision_threshold": threshold_between(positive)}))
    export_model(model_dir, manifest.onnx.parity.tolerance if manifest.onnx else 1e-4)


@pytest.mark.parametrize("model_dir", [rethreshold], indirect=True, ids=["threshold=moved"])
def test_predict_oip_batch_and_metrics_label_at_the_decision_threshold(
    client: TestClient, model_dir: Path, tmp_path: Path
) -> None:
    manifest = read_manifest(model_dir)
    if manifest.task != "binary" or manifest.decision_threshold is None or not manifest.classes:
        pytest.skip("only a binary model has a decision threshold")
    rows = typical_rows(manifest, ROWS)
    positive = onnx_outputs(model_dir, as_feed(manifest, rows))["probabilities"][:, 1]
    expected = [manifest.classes[int(p >= manifest.decision_threshold)] for p in positive]
    assert expected != [manifest.classes[int(p >= 0.5)] for p in positive], "the threshold moves no row"

    predictions = client.post("/predict", json={"rows": rows}).json()["predictions"]
    assert [prediction["label"] for prediction in predictions] == expected
    assert client.post("/predict", json=rows[0]).json()["label"] == expected[0]

    inputs = oip_inputs(manifest, rows)
    outputs = client.post(f"/v2/models/{manifest.name}/infer", json={"inputs": inputs}).json()["outputs"]
    labels = next(output["data"] for output in outputs if output["name"] == "label")
    assert [manifest.classes[index] for index in labels] == expected

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "rows.parquet")
    run_job(Job(tmp_path / "rows.parquet", tmp_path / "scores.parquet", None, None, [], 16), model_dir, 1)
    assert pq.read_table(tmp_path / "scores.parquet").column("label").to_pylist() == expected

    metrics = client.get("/metrics").text
    for label in manifest.classes:
        # The requests above: the batch over /predict, its first row again, the batch over OIP.
        count = 2 * expected.count(label) + (expected[0] == label)
        series = "model_predictions_total{" + f'class="{label}"' + "}"
        assert f"{series} {float(count)}" in metrics
