"""Optional OpenTelemetry tracing: one server span per request, exported over OTLP/HTTP."""

import importlib.util
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ...errors import Failure
from ..settings import ServerSettings

REQUIRED = ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http")


def require_tracing(settings: ServerSettings) -> None:
    """Fail with one line, before the server starts, when tracing is on but its packages are absent."""
    missing = [name for name in REQUIRED if _absent(name)] if settings.otel_enabled else []
    if missing:
        raise Failure(
            "APP_OTEL_ENABLED=true needs the tracing extra: install it with `uv sync --extra tracing` "
            f"(missing: {', '.join(missing)})"
        )


def trace_requests(app: ASGIApp, service_name: str, settings: ServerSettings) -> ASGIApp:
    """The app in a tracing layer when APP_OTEL_ENABLED is true; the app itself, at no cost, when not."""
    if not settings.otel_enabled:
        return app
    require_tracing(settings)
    return TracingLayer(app, tracer=_tracer(service_name, settings.otel_endpoint))


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def _tracer(service_name: str, endpoint: str) -> Any:
    # Imported by name: the packages are optional, so neither the code nor mypy may require them.
    trace = importlib.import_module("opentelemetry.trace")
    exporter = importlib.import_module("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    resources = importlib.import_module("opentelemetry.sdk.resources")
    sdk_trace = importlib.import_module("opentelemetry.sdk.trace")
    export = importlib.import_module("opentelemetry.sdk.trace.export")
    provider = sdk_trace.TracerProvider(resource=resources.Resource.create({"service.name": service_name}))
    spans = exporter.OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(export.BatchSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    return trace.get_tracer(__name__)


class TracingLayer:
    """Continues the caller's trace (W3C traceparent) and records route and status on the span."""

    def __init__(self, app: ASGIApp, tracer: Any) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        propagate = importlib.import_module("opentelemetry.propagate")
        trace = importlib.import_module("opentelemetry.trace")
        carrier = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        with self.tracer.start_as_current_span(
            f"{scope['method']} {scope['path']}",
            context=propagate.extract(carrier),
            kind=trace.SpanKind.SERVER,
        ) as span:

            async def traced_send(message: Any) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, traced_send)
            span.set_attribute("http.route", getattr(scope.get("route"), "path", "unmatched"))
