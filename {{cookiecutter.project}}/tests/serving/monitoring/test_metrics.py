"""Prometheus metrics: traffic by route and status, predictions by class or value, model identity, drift."""

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.mmap_dict import MmapedDict, mmap_key

from {{ cookiecutter.package }}.labels import LabelTable
from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.monitoring.metrics import Metrics

from ...rows import typical_rows


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"git_revision": "abc1234"}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series, matching the given labels and ignoring the rest."""
    for line in text.splitlines():
        match = re.fullmatch(name + r"(?:\{(.*)\})? (\S+)", line)
        if match and all(f'{key}="{value}"' in (match.group(1) or "") for key, value in labels.items()):
            return float(match.group(2))
    raise AssertionError(f"no sample {name} {labels}")


def test_requests_are_counted_by_route_and_status(client: TestClient, manifest: ModelManifest) -> None:
    client.post("/predict", json=typical_rows(manifest)[0])
    client.post("/predict", json={"rows": []})
    text = client.get("/metrics").text
    assert sample(text, "http_requests_total", route="/predict", method="POST", status="200") == 1
    assert sample(text, "http_requests_total", route="/predict", method="POST", status="422") == 1
    assert sample(text, "http_request_duration_seconds_count", route="/predict") == 2


def test_predictions_are_counted_by_class_or_value(client: TestClient, manifest: ModelManifest) -> None:
    client.post("/predict", json={"rows": typical_rows(manifest, 3)})
    text = client.get("/metrics").text
    if manifest.classes:
        counted = sum(
            sample(text, "model_predictions_total", **{"class": label}) for label in manifest.classes
        )
    else:
        counted = sample(text, "model_prediction_value_count")
    assert counted == 3


def test_model_info_carries_version_sha_revision_and_classes(
    client: TestClient, manifest: ModelManifest
) -> None:
    text = client.get("/metrics").text
    sha = manifest.onnx.sha256 if manifest.onnx else ""
    classes = LabelTable(manifest.classes or []).set_digest()
    labels = {"version": manifest.version, "sha256": sha, "git_revision": "abc1234", "classes": classes}
    assert sample(text, "model_info", **labels) == 1


def test_drift_is_exported_for_every_feature(client: TestClient, manifest: ModelManifest) -> None:
    client.post("/predict", json={"rows": typical_rows(manifest, 5)})
    text = client.get("/metrics").text
    for name in manifest.feature_names:
        assert sample(text, "model_feature_drift_psi", feature=name) >= 0
    assert sample(text, "model_drift_window_rows") == 5


def test_unmatched_paths_share_one_route_label(client: TestClient) -> None:
    client.get("/a")
    client.get("/b")
    assert sample(client.get("/metrics").text, "http_requests_total", route="unmatched", status="404") == 2


def test_unseen_categories_are_counted_by_feature_never_by_value(
    client: TestClient, manifest: ModelManifest
) -> None:
    """Each unseen value adds to its feature's one series: 50 different values make no new series."""
    if not manifest.categorical:
        pytest.skip("the model has no category column")
    rows = typical_rows(manifest, 50)
    name = manifest.categorical[0].name
    for index, row in enumerate(rows):
        row[name] = f"never seen {index}" if index % 2 else None
    client.post("/predict", json={"rows": rows})
    text = client.get("/metrics").text
    assert sample(text, "model_unseen_categories_total", feature=name) == 25
    for feature in manifest.categorical[1:]:
        assert sample(text, "model_unseen_categories_total", feature=feature.name) == 0
    series = [line for line in text.splitlines() if line.startswith("model_unseen_categories_total")]
    assert len(series) == len(manifest.categorical)


def test_a_worker_file_not_yet_sized_leaves_the_scrape_whole(tmp_path: Path) -> None:
    """A worker's file exists empty for a moment after creation, and for good if the worker dies in it
    (prometheus/client_python issue 1199); the scrape of every other worker's values must not fail."""
    written: Any = MmapedDict(str(tmp_path / "counter_101.db"))  # type: ignore[no-untyped-call]
    written.write_value(mmap_key("jobs_total", "jobs_total", [], [], "Jobs"), 3.0, 0.0)
    written.close()
    (tmp_path / "counter_102.db").touch()
    text = Metrics(CollectorRegistry(), tmp_path).render().decode()
    assert sample(text, "jobs_total") == 3
