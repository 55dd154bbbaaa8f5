"""The Operations routes: liveness, readiness, the model's manifest and the Prometheus metrics."""

from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from .http.responses import json_reply, respond
from .monitoring.metrics import Metrics
from .plane import Plane, unready_reason


def add_operations_routes(app: FastAPI, plane: Plane, metrics: Metrics) -> None:
    @app.get("/healthz", tags=["Operations"], summary="Liveness: the process answers")
    async def healthz() -> Response:
        return respond(json_reply({"status": "ok"}))

    @app.get(
        "/readyz", tags=["Operations"], summary="Readiness: model loaded, verified, admitting, not draining"
    )
    async def readyz() -> Response:
        reason = unready_reason(plane)
        return respond(
            json_reply({"ready": True} if reason is None else {"ready": False, "reason": reason}),
            200 if reason is None else 503,
        )

    @app.get(
        "/model", tags=["Operations"], summary="The model's contract, identity and the image's git revision"
    )
    async def model() -> Response:
        return respond(json_reply({**_model_document(plane), "image_digest": plane.settings.image_digest}))

    @app.get("/metrics", tags=["Operations"], summary="Prometheus metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        if plane.monitor is not None:
            plane.monitor.refresh_drift()
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)


# What a client has no use for: where the training data lay (a path), the tracking run and the
# hyperparameters. The rest is the model's contract (features, categories, classes) and identity.
PRIVATE = frozenset({"data_source", "tracking", "params"})


def _model_document(plane: Plane) -> dict[str, Any]:
    """The manifest as /model shows it; library versions only when the settings allow."""
    hidden = PRIVATE if plane.settings.expose_library_versions else PRIVATE | {"library_versions"}
    document = plane.manifest.model_dump(mode="json", exclude=set(hidden))
    # The columns of each OIP input tensor, in order: the contract of a client that sends tensors.
    tensors = {tensor.name: tensor.columns for tensor in plane.manifest.input_tensors}
    return {**document, "tensor_columns": tensors, "git_revision": plane.settings.git_revision}
