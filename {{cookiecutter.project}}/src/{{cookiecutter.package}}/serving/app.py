"""create_app(): the FastAPI app with health, model, metrics, /predict and OIP v2 routes, all built from one
ServerSettings, and the layers in front of it: tracing, the request guard and the fast lane."""

import functools
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from prometheus_client import multiprocess
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from .http.admission import ADMISSION
from .http.fastlane import FastLane, HotRoutes
from .http.guard import RequestGuard
from .http.openapi import Error, add_components
from .http.responses import install_handlers
from .http.shedding import Shedder
from .monitoring.logs import configure_logging
from .monitoring.metrics import Metrics
from .monitoring.tracing import trace_requests
from .oip.routes import oip_router
from .oip.schemas import InferenceRequest
from .operations import add_operations_routes
from .outcomes import routes as outcomes
from .outcomes.schemas import MODELS as OUTCOME_MODELS
from .plane import Plane
from .predict.routes import predict_router
from .predict.rows import largest_body
from .predict.schemas import predict_models
from .settings import ServerSettings
from .shadow.metrics import ShadowMetrics

if TYPE_CHECKING:
    from .shadow.stage import Shadow

log = logging.getLogger(__name__)


def _drain_on_sigterm(plane: Plane) -> None:
    """Fail readiness at once on SIGTERM, then hand the signal to uvicorn after drain_delay_s."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handle(sig: int, frame: FrameType | None) -> None:
        plane.draining = True
        log.info("SIGTERM: readiness now fails; draining in %ss", plane.settings.drain_delay_s)
        if callable(previous):
            threading.Timer(plane.settings.drain_delay_s, previous, args=(sig, frame)).start()

    signal.signal(signal.SIGTERM, handle)


def _lifespan(plane: Plane, shadow: "Shadow | None") -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # uvicorn installs its signal handlers before startup, so ours wraps them.
        _drain_on_sigterm(plane)
        yield
        if shadow is not None:
            await shadow.close()
        if plane.settings.prometheus_multiproc_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), str(plane.settings.prometheus_multiproc_dir))  # type: ignore[no-untyped-call]

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
    plane = Plane.load(settings)
    metrics = Metrics(plane.metrics.registry, settings.prometheus_multiproc_dir)
    name = plane.predictor.manifest.name if plane.predictor.manifest else "model"
    shadow = _shadow_stage(plane)
    # The documentation pages load their scripts from a CDN; the k8s base turns them off.
    app = ServingApp(
        title=name,
        version=_package_version(),
        lifespan=_lifespan(plane, shadow),
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        # Starlette's trailing-slash redirect builds its Location from the client's Host header.
        redirect_slashes=False,
    )
    # A full house that gives no slot back for twice the request timeout is wedged (see admission.py).
    ADMISSION.configure(settings.max_concurrency, 2 * settings.request_timeout_s, metrics.in_progress.set)
    install_handlers(app)
    add_operations_routes(app, plane, metrics)
    hot = _add_apis(app, plane, name)
    shedder = Shedder(metrics.registry, settings.max_concurrency, [route.path for route, _ in hot])
    guard = RequestGuard(
        FastLane(app.framework, hot, shedder, shadow.observe if shadow is not None else None),
        metrics=metrics,
        max_body_bytes=body_limit(plane),
        timeout_s=settings.request_timeout_s,
        access_log=settings.access_log,
        plane=plane,
    )
    app.front = trace_requests(guard, app.title, settings)
    return app


def _add_apis(app: FastAPI, plane: Plane, name: str) -> HotRoutes:
    """Mount /predict and OIP v2 and document their bodies; return the hot routes they declare."""
    hot = HotRoutes()
    predict_routes = predict_router(plane, hot)
    oip_routes = oip_router(plane, hot, name, _package_version())
    app.include_router(predict_routes)
    app.include_router(oip_routes)
    app.include_router(outcomes.outcomes_router(plane))
    add_components(app, functools.partial(_documented_models, plane))
    return hot


def _documented_models(plane: Plane) -> list[type[BaseModel]]:
    """The bodies the routes read as raw bytes (see http/bodies.py), as models for the OpenAPI document."""
    models: list[type[BaseModel]] = [Error, InferenceRequest, *OUTCOME_MODELS]
    if plane.predictor.manifest is not None:
        models += predict_models(plane.predictor.manifest, plane.settings.max_batch_rows)
    return models


def _shadow_stage(plane: Plane) -> "Shadow | None":
    """The shadow stage when APP_SHADOW_STABLE_URL is set; its metrics whenever the model loaded."""
    manifest = plane.predictor.manifest
    if manifest is None:
        return None
    metrics = ShadowMetrics(plane.metrics.registry, manifest.shadow.min_agreement)
    if plane.settings.shadow_stable_url is None:
        return None
    # Imported only here: httpx takes a tenth of a second to import, in every worker of every server.
    from .shadow.stage import Shadow

    return Shadow(plane.settings, manifest, metrics)


def body_limit(plane: Plane) -> int:
    """The body limit: as set, or what the largest batch of this model, or of outcomes, takes (64 KiB
    unloaded)."""
    if plane.settings.max_body_bytes is not None:
        return plane.settings.max_body_bytes
    if plane.predictor.manifest is None:
        return 64 * 1024
    predictions = largest_body(plane.predictor.manifest, plane.settings.max_batch_rows)
    return max(predictions, outcomes.largest_body(plane.predictor.manifest.classes))


@functools.cache
def _package_version() -> str:
    """The installed distribution's version; importlib.metadata scans site-packages for it (2 ms)."""
    try:
        return version(__package__.split(".")[0] if __package__ else "")
    except (PackageNotFoundError, ValueError):
        return "0"
