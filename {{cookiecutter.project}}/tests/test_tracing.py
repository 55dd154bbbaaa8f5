"""Optional tracing: a clear error without the extra, and spans exported over OTLP/HTTP with it."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from {{ cookiecutter.package }}.errors import CliError
from {{ cookiecutter.package }}.serving import tracing
from {{ cookiecutter.package }}.settings import Settings
from serving_fixtures import make_client


class Collector(BaseHTTPRequestHandler):
    """Stands in for an OpenTelemetry collector and remembers the paths posted to it."""

    paths: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.paths.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def collector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)


def test_tracing_without_its_packages_fails_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "_absent", lambda module: True)
    with pytest.raises(CliError, match="uv sync --extra tracing"):
        tracing.require_tracing(Settings(otel_enabled=True))


def test_tracing_is_off_by_default() -> None:
    tracing.require_tracing(Settings())
    assert Settings().otel_enabled is False


def test_requests_become_spans_sent_to_the_collector(artifacts_dir: Path, collector: str) -> None:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import trace

    client = make_client(artifacts_dir, otel_enabled=True, otel_endpoint=collector)
    assert client.get("/healthz").status_code == 200
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    assert "/v1/traces" in Collector.paths
