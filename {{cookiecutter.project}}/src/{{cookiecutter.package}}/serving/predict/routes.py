"""POST /predict: the documented route, a hot one, and the handler that both lanes call."""

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..http.bodies import Unprocessable
from ..http.fastlane import HotRoutes
from ..http.openapi import REF, body_schema, error_responses
from ..http.responses import JSON, ApiError, Handler, Reply, respond
from ..ids import ID_HEADER
from ..plane import Plane
from .rows import RowReader, format_predictions


def predict_handler(plane: Plane) -> Handler:
    """/predict: a body the model cannot take is a 422 (too many rows, a 413)."""
    columns = plane.columns
    reader = RowReader(columns, plane.settings.max_batch_rows) if columns is not None else None

    def handle(body: bytes, headers: Mapping[str, str], _: dict[str, str]) -> Reply:
        if reader is None:
            raise plane.not_ready()
        try:
            feed, batch = reader.read(body, headers.get("content-type"))
        except Unprocessable as error:
            raise ApiError(422, str(error)) from None
        outputs = plane.infer(feed)
        return format_predictions(plane.manifest.classes, outputs, batch, plane.stamp(outputs, headers))

    return handle


def predict_router(plane: Plane, hot: HotRoutes) -> APIRouter:
    """The documented /predict route, declared hot with its handler."""
    handle = predict_handler(plane)
    router = APIRouter(tags=["Predictions"])
    errors = error_responses(400, 413, 415, 422, 503)
    refs = [{"$ref": REF.format(model=name)} for name in ("Answer", "Predictions")]
    ok = {
        "description": "One prediction, or predictions in row order; each row's id in prediction_ids",
        "content": {JSON: {"schema": {"oneOf": refs}}},
        "headers": ID_HEADER,
    }

    @hot.post(
        router,
        "/predict",
        handle,
        summary="Predict one row or a batch",
        description='Send one row as an object of features, or several as {"rows": [row, ...]}.',
        openapi_extra=body_schema("Row", "Rows"),
        responses={200: ok, **errors},
    )
    async def predict(request: Request) -> Response:
        # The fast lane answers this route; the function documents it and serves when the lane is absent.
        return respond(handle(await request.body(), request.headers, {}))

    return router
