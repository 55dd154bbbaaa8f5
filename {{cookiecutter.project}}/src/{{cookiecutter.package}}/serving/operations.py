"""The Operations routes: liveness, readiness, the model's manifest and the Prometheus metrics."""

from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from .responses import json_reply, respond
from .service import Service


def add_operations_routes(app: FastAPI, service: Service) -> None:
    @app.get("/healthz", tags=["Operations"], summary="Liveness: the process answers")
    async def healthz() -> Response:
        return respond(json_reply({"status": "ok"}))

    @app.get("/readyz", tags=["Operations"], summary="Readiness: model loaded, verified, not draining")
    async def readyz() -> Response:
        predictor = service.predictor
        problem = "draining" if predictor.draining else predictor.problem
        return respond(
            json_reply({"ready": True} if predictor.ready else {"ready": False, "reason": problem}),
            200 if predictor.ready else 503,
        )

    @app.get("/model", tags=["Operations"], summary="The model manifest and the image's git revision")
    async def model() -> Response:
        return respond(
            json_reply({**_model_document(service), "image_digest": service.settings.image_digest})
        )

    @app.get("/metrics", tags=["Operations"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        if service.monitor is not None:
            service.monitor.refresh_drift()
        return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _model_document(service: Service) -> dict[str, Any]:
    """The manifest as /model shows it; library versions only when the settings allow."""
    hidden = set() if service.settings.expose_library_versions else {"library_versions"}
    document = service.manifest.model_dump(mode="json", exclude=hidden)
    return {**document, "git_revision": service.settings.git_revision}
