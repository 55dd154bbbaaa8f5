"""The model monitor: each prediction counted by class (or its value), categories training never saw
counted by feature, and the drift statistic refreshed from the recent inputs."""

from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry

from {{ cookiecutter.package }}.labels import LabelTable
from {{ cookiecutter.package }}.manifest import (
    CATEGORICAL_INPUT,
    LABEL_OUTPUT,
    ONNX_INPUT,
    PROBABILITIES_OUTPUT,
    VALUE_OUTPUT,
    CategoricalFeature,
    ModelManifest,
)
from {{ cookiecutter.package }}.runtime.monitor import ModelMetrics, ModelMonitor


def sample(registry: CollectorRegistry, metric: str, **labels: str) -> float:
    return registry.get_sample_value(metric, labels) or 0.0


def monitored(manifest: ModelManifest, update: dict[str, Any]) -> tuple[ModelMonitor, CollectorRegistry]:
    registry = CollectorRegistry()
    model = manifest.model_copy(update=update)
    return ModelMonitor(ModelMetrics(registry), model, "abc123", window=100), registry


def test_a_classifier_counts_each_predicted_class(manifest: ModelManifest) -> None:
    monitor, registry = monitored(
        manifest, {"task": "multiclass", "classes": ["a", "b", "c"], "categorical": []}
    )
    feed = {ONNX_INPUT: np.zeros((4, len(manifest.features)), dtype=np.float32)}
    monitor.observe(feed, {LABEL_OUTPUT: np.array([0, 2, 2, 2]), PROBABILITIES_OUTPUT: np.zeros((4, 3))})
    monitor.observe({ONNX_INPUT: feed[ONNX_INPUT][:1]}, {LABEL_OUTPUT: np.array([1])})
    counts = [sample(registry, "model_predictions_total", **{"class": label}) for label in "abc"]
    assert counts == [1.0, 1.0, 3.0]
    sha = manifest.onnx.sha256 if manifest.onnx else ""
    identity = {"name": manifest.name, "version": manifest.version, "sha256": sha, "task": "multiclass"}
    classes = LabelTable(["c", "b", "a"]).set_digest()
    assert sample(registry, "model_info", **identity, git_revision="abc123", classes=classes) == 1.0


def test_a_regressor_observes_each_value(manifest: ModelManifest) -> None:
    monitor, registry = monitored(manifest, {"task": "regression", "classes": None, "categorical": []})
    feed = {ONNX_INPUT: np.zeros((2, len(manifest.features)), dtype=np.float32)}
    monitor.observe(feed, {VALUE_OUTPUT: np.array([[1.5], [300.0]], dtype=np.float32)})
    assert sample(registry, "model_prediction_value_count") == 2.0
    assert sample(registry, "model_prediction_value_bucket", le="2.0") == 1.0
    assert sample(registry, "model_prediction_value_bucket", le="500.0") == 2.0


def test_unseen_categories_are_counted_by_feature_and_drift_is_refreshed(manifest: ModelManifest) -> None:
    colour = CategoricalFeature(name="colour", categories=["red", "blue"], shares=[0.5, 0.5])
    monitor, registry = monitored(manifest, {"task": "regression", "classes": None, "categorical": [colour]})
    feed = {
        ONNX_INPUT: np.zeros((3, len(manifest.features)), dtype=np.float32),
        CATEGORICAL_INPUT: np.array([["red"], ["green"], ["pink"]], dtype=object),
    }
    monitor.observe(feed, {VALUE_OUTPUT: np.zeros((3, 1), dtype=np.float32)})
    assert sample(registry, "model_unseen_categories_total", feature="colour") == 2.0
    assert sample(registry, "model_drift_window_rows") == 3.0
    assert sample(registry, "model_feature_drift_psi", feature="colour") > 0
