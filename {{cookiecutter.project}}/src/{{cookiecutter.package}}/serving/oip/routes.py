"""The OIP v2 routes: server and model metadata, health, readiness, and inference."""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..http.bodies import check_unique_keys, count_keys, decode_json
from ..http.openapi import Error, body_schema
from ..http.responses import ApiError, Handler, Reply, json_reply, respond
from ..plane import Plane
from . import binary, metadata, tensors
from .feed import read_feed
from .metadata import check_model, infer_description
from .schemas import InferenceResponse

# Errors any model route may answer with. The OIP REST spec documents 400 for a request the server
# cannot take (KServe and Triton answer so), where /predict answers 422.
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": Error} for code in (400, 404, 413, 415, 503)}


def oip_router(service: Plane, server_name: str, server_version: str) -> tuple[APIRouter, Handler]:
    """Routes of the v2 protocol, and the inference handler that the fast lane calls directly."""
    router = APIRouter(prefix="/v2", tags=["Open Inference Protocol v2"])
    _add_server_routes(router, service, server_name, server_version)
    _add_model_routes(router, service)
    handle = infer_handler(service)
    _add_infer_routes(router, handle, infer_description(service.predictor.manifest))
    return router, handle


def _add_server_routes(router: APIRouter, service: Plane, name: str, version: str) -> None:
    # The OIP spec's path is /v2/, and clients also send /v2; the server sends no redirects (app.py).
    @router.get("", summary="Server metadata")
    @router.get("/", include_in_schema=False)
    async def server_metadata() -> Response:
        return respond(json_reply({"name": name, "version": version, "extensions": []}))

    @router.get("/health/live", summary="Server liveness")
    async def server_live() -> Response:
        return respond(json_reply({"live": True}))

    @router.get("/health/ready", summary="Server readiness", responses={503: {"model": Error}})
    async def server_ready() -> Response:
        ready = service.unready_reason is None
        return respond(json_reply({"ready": ready}), 200 if ready else 503)


def _add_model_routes(router: APIRouter, service: Plane) -> None:
    """Model metadata and readiness; each path also exists under /versions/{version}."""

    @router.get("/models/{name}", summary="Model metadata", responses=ERRORS)
    async def model_metadata(name: str) -> Response:
        return respond(json_reply(metadata.model_metadata(service, name, None)))

    @router.get("/models/{name}/versions/{version}", summary="Model version metadata", responses=ERRORS)
    async def version_metadata(name: str, version: str) -> Response:
        return respond(json_reply(metadata.model_metadata(service, name, version)))

    @router.get("/models/{name}/ready", summary="Model readiness", responses=ERRORS)
    async def model_ready(name: str) -> Response:
        return _readiness(service, name, None)

    @router.get(
        "/models/{name}/versions/{version}/ready", summary="Model version readiness", responses=ERRORS
    )
    async def version_ready(name: str, version: str) -> Response:
        return _readiness(service, name, version)


def _add_infer_routes(router: APIRouter, handle: Handler, description: str) -> None:
    """The fast lane answers these two; the routes document them and serve when it is absent."""
    extra = body_schema("InferenceRequest")
    ok: dict[int | str, dict[str, Any]] = {200: {"model": InferenceResponse}, **ERRORS}

    @router.post(
        "/models/{name}/infer",
        summary="Inference",
        description=description,
        openapi_extra=extra,
        responses=ok,
    )
    async def infer(request: Request, name: str) -> Response:
        return respond(handle(await request.body(), request.headers, {"name": name}))

    @router.post(
        "/models/{name}/versions/{version}/infer",
        summary="Version inference",
        description=description,
        openapi_extra=extra,
        responses=ok,
    )
    async def infer_version(request: Request, name: str, version: str) -> Response:
        params = {"name": name, "version": version}
        return respond(handle(await request.body(), request.headers, params))


def _readiness(service: Plane, name: str, version: str | None) -> Response:
    check_model(service, name, version)
    ready = service.unready_reason is None
    return respond(json_reply({"name": name, "ready": ready}), 200 if ready else 503)


def infer_handler(service: Plane) -> Handler:
    def handle(body: bytes, headers: Mapping[str, str], params: dict[str, str]) -> Reply:
        try:
            return _infer(service, body, headers, params)
        except ApiError as error:
            if error.status == 422:  # the shared readers' "unprocessable" is OIP's 400
                raise ApiError(400, error.message) from None
            raise

    return handle


def _infer(service: Plane, body: bytes, headers: Mapping[str, str], params: dict[str, str]) -> Reply:
    check_model(service, params["name"], params.get("version"))
    header_length = headers.get(binary.HEADER)
    if header_length is None:
        header, raw = body, b""
        document = decode_json(body, headers.get("content-type"))
    else:
        header, raw = binary.split_body(body, header_length)
        document = decode_json(header, None)
    check_unique_keys(header, count_keys(document, opaque="data"))
    feed = read_feed(service, document, body, raw)
    names = tensors.requested_outputs(service, document["outputs"])
    return tensors.write_outputs(service, service.infer(feed), names, document)
