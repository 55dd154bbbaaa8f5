"""Prometheus metrics: HTTP traffic, model outputs, model identity and input drift."""

import time
from pathlib import Path

import numpy as np
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from ...manifest import ModelManifest
from .drift import DriftWindow

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Regression outputs have no training summary in the manifest, so values land on a 1-2-5 scale.
VALUE_BUCKETS = tuple(
    sorted({sign * m * 10.0**e for sign in (-1, 1) for m in (1, 2, 5) for e in range(-1, 4)})
)
# PSI needs a few hundred rows to mean anything, and is cheap enough to refresh once a second.
DRIFT_REFRESH_S = 1.0

# The *_created series double the exposition for no use in the queries of docs/monitoring.md.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    """Every metric of one server, in its own registry so each app (and test) counts from zero."""

    def __init__(self, multiproc_dir: Path | None) -> None:
        self.multiproc_dir = multiproc_dir
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        # Kept out of http_requests_total: a flood that overloads the server is not a fault of the
        # model, and must not fail a canary's success ratio or fire the server-error alert.
        self.shed = Counter(
            "http_requests_shed",
            "Requests refused with 503 and Retry-After at the concurrency limit, by route template",
            ["route"],
            registry=r,
        )
        self.in_progress = Gauge(
            "http_requests_in_progress",
            "POST requests admitted (body arrived) and not yet answered, summed over the workers",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to last response byte",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.info = Gauge(
            "model_info",
            "The model being served (value 1)",
            ["name", "version", "sha256", "task", "git_revision"],
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

    def render(self) -> bytes:
        """The exposition text; with several workers, the sum over all of them."""
        if self.multiproc_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(self.multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(registry)


class ModelMonitor:
    """Feeds each prediction's inputs and outputs into the metrics."""

    def __init__(self, metrics: Metrics, manifest: ModelManifest, git_revision: str, window: int) -> None:
        self.metrics = metrics
        self.names = [*manifest.feature_names, *(feature.name for feature in manifest.categorical)]
        self.window = DriftWindow(manifest.features, window, manifest.categorical)
        self.classes = [metrics.classes.labels(label) for label in manifest.classes or []]
        self.unseen = [metrics.unseen.labels(feature.name) for feature in manifest.categorical]
        self.drift = [metrics.drift.labels(name) for name in self.names]
        self.refreshed = 0.0
        sha = manifest.onnx.sha256 if manifest.onnx else ""
        metrics.info.labels(manifest.name, manifest.version, sha, manifest.task, git_revision).set(1)

    def observe(self, feed: dict[str, np.ndarray], outputs: dict[str, np.ndarray]) -> None:
        """Record one request: its input tensors, and the model's labels [n] or values [n, 1]."""
        labels = outputs.get("label")
        if labels is not None and len(labels) == 1:
            self.classes[int(labels[0])].inc()
        elif labels is not None:
            counts = np.bincount(labels, minlength=len(self.classes))
            for child, count in zip(self.classes, counts.tolist(), strict=True):
                if count:
                    child.inc(count)
        else:
            for value in outputs["variable"].ravel().tolist():
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
