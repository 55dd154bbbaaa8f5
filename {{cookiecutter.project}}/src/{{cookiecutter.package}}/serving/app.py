"""create_app(): the FastAPI app with health, model, metrics, /predict and OIP v2 routes."""

import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from prometheus_client import multiprocess
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from ..runtime.dataplane import DataPlane
from .http.admission import ADMISSION
from .http.fastlane import FastLane
from .http.guard import RequestGuard
from .http.openapi import add_components
from .http.responses import Handler, install_handlers
from .monitoring.logs import configure_logging
from .monitoring.tracing import trace_requests
from .oip.routes import oip_router
from .oip.schemas import InferenceRequest
from .operations import add_operations_routes
from .plane import Plane
from .predict.routes import predict_router
from .predict.rows import largest_body
from .predict.schemas import predict_models
from .settings import ServerSettings

log = logging.getLogger(__name__)


def _drain_on_sigterm(service: Plane) -> None:
    """Fail readiness at once on SIGTERM, then hand the signal to uvicorn after drain_delay_s."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handle(sig: int, frame: FrameType | None) -> None:
        service.predictor.draining = True
        log.info("SIGTERM: readiness now fails; draining in %ss", service.settings.drain_delay_s)
        if callable(previous):
            threading.Timer(service.settings.drain_delay_s, previous, args=(sig, frame)).start()

    signal.signal(signal.SIGTERM, handle)


def _lifespan(service: Plane) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # uvicorn installs its signal handlers before startup, so ours wraps them.
        _drain_on_sigterm(service)
        yield
        if service.settings.prometheus_multiproc_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), str(service.settings.prometheus_multiproc_dir))  # type: ignore[no-untyped-call]

    return lifespan


class ServingApp(FastAPI):
    """FastAPI with the request guard and the fast lane in front of FastAPI's own layers.

    Each FastAPI request first passes its telemetry hook, body limit and error middleware, which
    together cost more than a single-row inference; in front of them, the hot routes skip them.
    Everything else (routes, OpenAPI, lifespan) is plain FastAPI.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # FastAPI itself; create_app puts the front layers around it.
        self.framework: ASGIApp = super().__call__
        self.front: ASGIApp = self.framework

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.front(scope, receive, send)


def create_app(settings: ServerSettings | None = None) -> ServingApp:
    settings = settings or ServerSettings()
    configure_logging(settings.log_level, settings.log_json)
    service = DataPlane.load(settings)
    name = service.predictor.manifest.name if service.predictor.manifest else "model"
    # The documentation pages load their scripts from a CDN; the k8s base turns them off.
    app = ServingApp(
        title=name,
        version=_package_version(),
        lifespan=_lifespan(service),
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        # Starlette's trailing-slash redirect builds its Location from the client's Host header.
        redirect_slashes=False,
    )
    # A full house that gives no slot back for twice the request timeout is wedged (see admission.py).
    ADMISSION.configure(
        settings.max_concurrency, 2 * settings.request_timeout_s, service.metrics.in_progress.set
    )
    install_handlers(app)
    add_operations_routes(app, service)
    lane = FastLane(app.framework, _add_apis(app, service, name), service.metrics, settings.max_concurrency)
    guard = RequestGuard(
        lane,
        metrics=service.metrics,
        max_body_bytes=body_limit(service),
        timeout_s=settings.request_timeout_s,
        access_log=settings.access_log,
        draining=lambda: service.predictor.draining,
    )
    app.front = trace_requests(guard, app.title, settings)
    return app


def _add_apis(app: FastAPI, service: Plane, name: str) -> list[tuple[APIRoute, Handler]]:
    """Mount /predict and OIP v2 and document their bodies; return the hot routes and their handlers."""
    predict_routes, predict_handler = predict_router(service)
    oip_routes, infer_handler = oip_router(service, name, _package_version())
    app.include_router(predict_routes)
    app.include_router(oip_routes)
    models: list[type[BaseModel]] = [InferenceRequest]
    if service.predictor.manifest is not None:
        models += predict_models(service.predictor.manifest, service.settings.max_batch_rows)
    add_components(app, models)
    hot = {
        "/predict": predict_handler,
        "/v2/models/{name}/infer": infer_handler,
        "/v2/models/{name}/versions/{version}/infer": infer_handler,
    }
    return [
        (route, hot[route.path])
        for router in (predict_routes, oip_routes)
        for route in router.routes
        if isinstance(route, APIRoute) and route.path in hot
    ]


def body_limit(service: Plane) -> int:
    """The body limit: as set, or what the largest batch of this model takes (64 KiB unloaded)."""
    if service.settings.max_body_bytes is not None:
        return service.settings.max_body_bytes
    if service.predictor.manifest is None:
        return 64 * 1024
    return largest_body(service.predictor.manifest, service.settings.max_batch_rows)


def _package_version() -> str:
    try:
        return version(__package__.split(".")[0] if __package__ else "")
    except (PackageNotFoundError, ValueError):
        return "0"
