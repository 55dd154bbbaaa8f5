"""POST /predict: named features in, labels with probabilities (or values) out."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from . import schemas
from .fastlane import Handler, Reply, reply_response
from .inputs import decode_json
from .predictor import Outputs
from .problems import ApiError
from .service import Service

JSON = "application/json"


def format_predictions(classes: list[str] | None, outputs: Outputs, batch: bool) -> bytes:
    """One prediction object for a single row, or {"predictions": [...]} for a batch."""
    predictions: list[dict[str, Any]]
    if classes:
        probabilities = outputs["probabilities"]
        labels = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)].tolist()
        predictions = [
            {"label": label, "probabilities": dict(zip(classes, row, strict=True))}
            for label, row in zip(labels, probabilities.tolist(), strict=True)
        ]
    else:
        predictions = [{"value": value} for value in outputs["variable"].ravel().tolist()]
    return orjson.dumps({"predictions": predictions} if batch else predictions[0])


def predict_handler(service: Service) -> Handler:
    def handle(body: bytes, headers: Mapping[str, str], _: dict[str, str]) -> Reply:
        if service.reader is None:
            raise ApiError(503, f"model not ready: {service.predictor.problem}")
        rows, batch = service.reader.read(decode_json(body, headers.get("content-type")), body)
        return format_predictions(service.manifest.classes, service.infer(rows), batch), None

    return handle


def build_router(service: Service) -> tuple[APIRouter, Handler]:
    """The documented /predict route and its handler, which the fast lane calls directly."""
    handle = predict_handler(service)
    router = APIRouter(tags=["Predictions"])
    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": schemas.Error} for code in (400, 413, 415, 422, 503)
    }
    refs = [{"$ref": schemas.REF.format(model=name)} for name in ("Prediction", "Predictions")]
    ok = {
        "description": "One prediction, or predictions in row order",
        "content": {JSON: {"schema": {"oneOf": refs}}},
    }

    @router.post(
        "/predict",
        summary="Predict one row or a batch",
        description='Send one row as an object of features, or several as {"rows": [row, ...]}.',
        openapi_extra=schemas.body_schema("Row", "Rows"),
        responses={200: ok, **errors},
    )
    async def predict(request: Request) -> Response:
        # The fast lane answers this route; the function documents it and serves when the lane is absent.
        return reply_response(handle(await request.body(), request.headers, {}))

    return router, handle
