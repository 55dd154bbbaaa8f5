"""Prometheus metrics of the HTTP server, and the exposition of every metric, the model's included.

The model's own metrics (runtime/monitor.py) and the load shedding counter (http/shedding.py) share
this registry.
"""

from collections.abc import Iterable
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
from prometheus_client.metrics_core import Metric

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
        SettledFilesCollector(registry, path=str(self.multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(registry)


class SettledFilesCollector(multiprocess.MultiProcessCollector):
    """The sum over the workers' files, leaving out a file that is still empty.

    A worker creates its file for a metric type on first use, and sizes it a moment later: read in that
    moment, the empty file fails the whole scrape with a struct.error, and a worker killed in it leaves
    the file empty for good (prometheus/client_python issue 1199, open as of 0.26.0). An empty file holds
    no values, so leaving it out loses nothing.
    """

    def collect(self) -> Iterable[Metric]:
        files = [str(path) for path in Path(self._path).glob("*.db") if _holds_data(path)]
        merged: Iterable[Metric] = self.merge(files, accumulate=True)  # type: ignore[no-untyped-call]
        return merged


def _holds_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:  # a dead worker's live gauges, removed since the listing
        return False
