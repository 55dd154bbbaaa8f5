"""The OIP v2 routes: server and model metadata, health, readiness, and inference (hot routes)."""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...manifest import VALUE_OUTPUT
from ..http.bodies import Unprocessable, check_unique_keys, count_keys, decode_json
from ..http.fastlane import HotRoutes
from ..http.openapi import body_schema, error_responses
from ..http.responses import ApiError, Handler, Reply, json_reply, respond
from ..ids import ID_HEADER
from ..plane import Plane, unready_reason
from . import binary, metadata, tensors
from .feed import read_feed
from .metadata import check_model, infer_description
from .schemas import InferenceResponse

# Errors any model route may answer with. The OIP REST spec documents 400 for a request the server
# cannot take (KServe and Triton answer so), where /predict answers 422.
ERRORS = error_responses(400, 404, 413, 415, 503)


def oip_router(plane: Plane, hot: HotRoutes, server_name: str, server_version: str) -> APIRouter:
    """Routes of the v2 protocol; the inference routes are declared hot, with their handler."""
    router = APIRouter(prefix="/v2", tags=["Open Inference Protocol v2"])
    _add_server_routes(router, plane, server_name, server_version)
    _add_model_routes(router, plane)
    _add_infer_routes(router, hot, infer_handler(plane), infer_description(plane.predictor.manifest))
    return router


def _add_server_routes(router: APIRouter, plane: Plane, name: str, version: str) -> None:
    # The OIP spec's path is /v2/, and clients also send /v2; the server sends no redirects (app.py).
    @router.get("", summary="Server metadata")
    @router.get("/", include_in_schema=False)
    async def server_metadata() -> Response:
        return respond(json_reply({"name": name, "version": version, "extensions": []}))

    @router.get("/health/live", summary="Server liveness")
    async def server_live() -> Response:
        return respond(json_reply({"live": True}))

    @router.get("/health/ready", summary="Server readiness", responses=error_responses(503))
    async def server_ready() -> Response:
        ready = unready_reason(plane) is None
        return respond(json_reply({"ready": ready}), 200 if ready else 503)


def _add_model_routes(router: APIRouter, plane: Plane) -> None:
    """Model metadata and readiness; each path also exists under /versions/{version}."""

    @router.get("/models/{name}", summary="Model metadata", responses=ERRORS)
    async def model_metadata(name: str) -> Response:
        return respond(json_reply(metadata.model_metadata(plane, name, None)))

    @router.get("/models/{name}/versions/{version}", summary="Model version metadata", responses=ERRORS)
    async def version_metadata(name: str, version: str) -> Response:
        return respond(json_reply(metadata.model_metadata(plane, name, version)))

    @router.get("/models/{name}/ready", summary="Model readiness", responses=ERRORS)
    async def model_ready(name: str) -> Response:
        return _readiness(plane, name, None)

    @router.get(
        "/models/{name}/versions/{version}/ready", summary="Model version readiness", responses=ERRORS
    )
    async def version_ready(name: str, version: str) -> Response:
        return _readiness(plane, name, version)


def _add_infer_routes(router: APIRouter, hot: HotRoutes, handle: Handler, description: str) -> None:
    """The fast lane answers these two; the routes document them and serve when it is absent."""
    extra = body_schema("InferenceRequest")
    answered = {"model": InferenceResponse, "headers": ID_HEADER}
    ok: dict[int | str, dict[str, Any]] = {200: answered, **ERRORS}

    @hot.post(
        router,
        "/models/{name}/infer",
        handle,
        summary="Inference",
        description=description,
        openapi_extra=extra,
        responses=ok,
    )
    async def infer(request: Request, name: str) -> Response:
        return respond(handle(await request.body(), request.headers, {"name": name}))

    @hot.post(
        router,
        "/models/{name}/versions/{version}/infer",
        handle,
        summary="Version inference",
        description=description,
        openapi_extra=extra,
        responses=ok,
    )
    async def infer_version(request: Request, name: str, version: str) -> Response:
        params = {"name": name, "version": version}
        return respond(handle(await request.body(), request.headers, params))


def _readiness(plane: Plane, name: str, version: str | None) -> Response:
    check_model(plane, name, version)
    ready = unready_reason(plane) is None
    return respond(json_reply({"name": name, "ready": ready}), 200 if ready else 503)


def infer_handler(plane: Plane) -> Handler:
    """OIP inference: a body the model cannot take is a 400, as the OIP REST spec documents (KServe and
    Triton answer so); too many rows, a 413."""

    def handle(body: bytes, headers: Mapping[str, str], params: dict[str, str]) -> Reply:
        try:
            return _infer(plane, body, headers, params)
        except Unprocessable as error:
            raise ApiError(400, str(error)) from None

    return handle


def _infer(plane: Plane, body: bytes, headers: Mapping[str, str], params: dict[str, str]) -> Reply:
    check_model(plane, params["name"], params.get("version"))
    header_length = headers.get(binary.HEADER)
    if header_length is None:
        header, raw = body, b""
        document = decode_json(body, headers.get("content-type"))
    else:
        header, raw = binary.split_body(body, header_length)
        document = decode_json(header, None)
    check_unique_keys(header, count_keys(document, opaque="data"))
    feed = read_feed(plane, document, body, raw)
    names = tensors.requested_outputs(plane, document["outputs"])
    outputs = plane.infer(feed)
    # A regressor's ids sign its value as the client reads it: from JSON text, or from raw bytes.
    as_text = VALUE_OUTPUT in names and not binary.wants_binary(document, VALUE_OUTPUT)
    return tensors.write_outputs(plane, outputs, names, document, plane.stamp(outputs, headers, as_text))
