"""POST /predict: the documented route, and the handler that the fast lane calls directly."""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..http.bodies import decode_json
from ..http.openapi import REF, Error, body_schema
from ..http.responses import JSON, ApiError, Handler, Reply, respond
from ..plane import Plane
from .rows import format_predictions


def predict_handler(service: Plane) -> Handler:
    def handle(body: bytes, headers: Mapping[str, str], _: dict[str, str]) -> Reply:
        if service.reader is None:
            raise ApiError(503, f"model not ready: {service.predictor.problem}")
        feed, batch = service.reader.read(decode_json(body, headers.get("content-type")), body)
        return format_predictions(service.manifest.classes, service.infer(feed), batch)

    return handle


def predict_router(service: Plane) -> tuple[APIRouter, Handler]:
    """The documented /predict route and its handler."""
    handle = predict_handler(service)
    router = APIRouter(tags=["Predictions"])
    errors: dict[int | str, dict[str, Any]] = {code: {"model": Error} for code in (400, 413, 415, 422, 503)}
    refs = [{"$ref": REF.format(model=name)} for name in ("Prediction", "Predictions")]
    ok = {
        "description": "One prediction, or predictions in row order",
        "content": {JSON: {"schema": {"oneOf": refs}}},
    }

    @router.post(
        "/predict",
        summary="Predict one row or a batch",
        description='Send one row as an object of features, or several as {"rows": [row, ...]}.',
        openapi_extra=body_schema("Row", "Rows"),
        responses={200: ok, **errors},
    )
    async def predict(request: Request) -> Response:
        # The fast lane answers this route; the function documents it and serves when the lane is absent.
        return respond(handle(await request.body(), request.headers, {}))

    return router, handle
