"""Prometheus metrics of the HTTP server, and the exposition of every metric, the model's included.

The model's own metrics (runtime/monitor.py) and the load shedding counter (http/shedding.py) share
this registry.
"""

from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# The *_created series double the exposition for no use in the queries of docs/monitoring.md.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    """The HTTP metrics of one server, in the registry of its data plane so each app (and test) counts
    from zero."""

    def __init__(self, registry: CollectorRegistry, multiproc_dir: Path | None) -> None:
        self.multiproc_dir = multiproc_dir
        self.registry = r = registry
        self.requests = Counter(
            "http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
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

    def render(self) -> bytes:
        """The exposition text; with several workers, the sum over all of them."""
        if self.multiproc_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(self.multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(registry)
