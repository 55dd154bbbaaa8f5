"""Optional tracing: a clear error without the extra, and spans exported over OTLP/HTTP with it."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.serving.monitoring import tracing
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from .collector import Collector


@pytest.fixture
def app_settings(collector: Collector) -> Iterator[dict[str, Any]]:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import trace

    yield {"otel_enabled": True, "otel_endpoint": collector.url}
    # The app installs the process-wide tracer provider, which FastAPI reports its own spans to as
    # well: shut it down, or the apps of later tests in this process export to a stopped collector.
    trace.get_tracer_provider().shutdown()  # type: ignore[attr-defined]


def test_tracing_without_its_packages_fails_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "_absent", lambda module: True)
    with pytest.raises(Failure, match="uv sync --extra tracing"):
        tracing.require_tracing(ServerSettings(otel_enabled=True))


def test_tracing_is_off_by_default() -> None:
    tracing.require_tracing(ServerSettings())
    assert ServerSettings().otel_enabled is False


def test_requests_become_spans_sent_to_the_collector(client: TestClient, collector: Collector) -> None:
    from opentelemetry import trace

    assert client.get("/healthz").status_code == 200
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    assert "/v1/traces" in collector.paths
