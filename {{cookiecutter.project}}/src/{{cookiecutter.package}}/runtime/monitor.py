"""What the model's predictions tell its operators: its identity, its outputs, unseen categories and drift.

The metrics go to the registry the caller gives (the server exposes it with its HTTP metrics at /metrics).
"""

import time

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ..labels import LabelTable
from ..manifest import LABEL_OUTPUT, VALUE_OUTPUT, ModelManifest
from .columns import Feed
from .drift import DriftWindow
from .predictor import Outputs

# Regression outputs have no training summary in the manifest, so values land on a 1-2-5 scale.
VALUE_BUCKETS = tuple(
    sorted({sign * m * 10.0**e for sign in (-1, 1) for m in (1, 2, 5) for e in range(-1, 4)})
)
# PSI needs a few hundred rows to mean anything, and is cheap enough to refresh once a second.
DRIFT_REFRESH_S = 1.0


class ModelMetrics:
    """The model's metrics, in the given registry: identity, predictions, unseen categories, drift."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = self.registry = registry
        self.info = Gauge(
            "model_info",
            "The model being served (value 1)",
            ["name", "version", "sha256", "task", "git_revision", "classes"],
            multiprocess_mode="max",
            registry=r,
        )
        self.classes = Counter(
            "model_predictions",
            "Predicted rows by class (the model's label: a binary model's decision threshold applied)",
            ["class"],
            registry=r,
        )
        # Labelled by feature only, never by value: a client controls values, and each would be a series.
        self.unseen = Counter(
            "model_unseen_categories",
            "Input values of a categorical feature that training never saw, by feature",
            ["feature"],
            registry=r,
        )
        # Per model version, never per id; `source` tells the weighted split's rows from those a header
        # routed or a mirror copied, so an experiment's arms count only the split (serving/ids.py).
        self.prediction_ids = Counter(
            "model_prediction_ids",
            "Rows answered with a prediction id, by model version and how the request was routed here",
            ["version", "source"],
            registry=r,
        )
        # The unit the split randomises is the request, so the sample-ratio check counts requests: a client
        # that sends batches would make row counts vary far more than a binomial allows.
        self.prediction_requests = Counter(
            "model_prediction_requests",
            "Requests answered with prediction ids, by model version and how the request was routed here",
            ["version", "source"],
            registry=r,
        )
        self.values = Histogram(
            "model_prediction_value", "Predicted values", buckets=VALUE_BUCKETS, registry=r
        )
        self.drift = Gauge(
            "model_feature_drift_psi",
            "PSI of recent inputs against the training deciles",
            ["feature"],
            multiprocess_mode="livemostrecent",
            registry=r,
        )
        self.window_rows = Gauge(
            "model_drift_window_rows",
            "Input rows behind the drift statistic",
            multiprocess_mode="livemostrecent",
            registry=r,
        )


class ModelMonitor:
    """Feeds each prediction's inputs and outputs into the model's metrics."""

    def __init__(
        self, metrics: ModelMetrics, manifest: ModelManifest, git_revision: str, window: int
    ) -> None:
        self.metrics = metrics
        self.names = [*manifest.feature_names, *(feature.name for feature in manifest.categorical)]
        self.window = DriftWindow(manifest.features, window, manifest.categorical)
        self.classes = [metrics.classes.labels(label) for label in manifest.classes or []]
        self.unseen = [metrics.unseen.labels(feature.name) for feature in manifest.categorical]
        self.drift = [metrics.drift.labels(name) for name in self.names]
        self.refreshed = 0.0
        sha = manifest.onnx.sha256 if manifest.onnx else ""
        classes = LabelTable(manifest.classes or []).set_digest()
        info = (manifest.name, manifest.version, sha, manifest.task, git_revision, classes)
        metrics.info.labels(*info).set(1)

    def observe(self, feed: Feed, outputs: Outputs) -> None:
        """Record one request: its input tensors, and the model's labels [n] or values [n, 1]."""
        labels = outputs.get(LABEL_OUTPUT)
        if labels is not None and len(labels) == 1:
            self.classes[int(labels[0])].inc()
        elif labels is not None:
            counts = np.bincount(labels, minlength=len(self.classes))
            for child, count in zip(self.classes, counts.tolist(), strict=True):
                if count:
                    child.inc(count)
        else:
            for value in outputs[VALUE_OUTPUT].ravel().tolist():
                self.metrics.values.observe(value)
        for child, count in zip(self.unseen, self.window.add(feed), strict=True):
            if count:
                child.inc(count)
        now = time.monotonic()
        if now - self.refreshed >= DRIFT_REFRESH_S:
            self.refreshed = now
            self.refresh_drift()

    def refresh_drift(self) -> None:
        for child, value in zip(self.drift, self.window.psi(), strict=True):
            child.set(value)
        self.metrics.window_rows.set(self.window.count)
