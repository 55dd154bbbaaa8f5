"""POST /v1/outcomes: each outcome verified, judged and counted, and a result for each in order."""

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...outcomes.metrics import OutcomeMetrics
from ...outcomes.record import MAX_OUTCOMES, Outcome, OutcomeRecorder, Refused
from ..http.openapi import REF, error_responses
from ..http.responses import JSON, Reply, json_reply, respond
from ..plane import Plane
from .reading import read_outcomes
from .schemas import request_body

# The bytes of one outcome as a client may write it (a 56-character id, a number, spaces), before
# its label: what a full batch may take whatever the model (app.py lets bodies this large in).
OUTCOME_BYTES = 192


def largest_body(classes: list[str] | None) -> int:
    longest = max((len(name.encode()) for name in classes or []), default=0)
    return MAX_OUTCOMES * (OUTCOME_BYTES + 2 * longest) + 1024


Handler = Callable[[bytes, Mapping[str, str]], tuple[Reply, int]]


def outcomes_handler(plane: Plane) -> Handler:
    """(body, headers) -> (reply, status): a 200 when every outcome was recorded, else a 422."""
    metrics = OutcomeMetrics(plane.metrics.registry)
    manifest = plane.predictor.manifest if plane.version is not None else None
    if manifest is not None and plane.version is not None:
        metrics.start(plane.version, classifier=bool(manifest.classes))
    recorder = OutcomeRecorder(metrics, plane.id_keys, manifest.classes if manifest else None)

    def handle(body: bytes, headers: Mapping[str, str]) -> tuple[Reply, int]:
        if manifest is None:
            raise plane.not_ready()
        now = time.time()
        results = [_result(recorder, item, now) for item in read_outcomes(body, headers.get("content-type"))]
        return _summary(results)

    return handle


def _result(recorder: OutcomeRecorder, item: Outcome | Refused, now: float) -> dict[str, str]:
    try:
        if isinstance(item, Refused):
            recorder.refuse(item.reason, item.detail)
        else:
            recorder.record(item, now)
    except Refused as refused:
        return {"status": "refused", "reason": refused.reason, "detail": refused.detail}
    return {"status": "accepted"}


def _summary(results: list[dict[str, str]]) -> tuple[Reply, int]:
    reasons = Counter(result["reason"] for result in results if result["status"] == "refused")
    refused = sum(reasons.values())
    summary: dict[str, Any] = {"accepted": len(results) - refused, "refused": refused, "results": results}
    if not refused:
        return json_reply(summary), 200
    counts = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
    error = f"{refused} of {len(results)} outcomes refused ({counts}); each result says why"
    return json_reply({"error": error, **summary}), 422


def outcomes_router(plane: Plane) -> APIRouter:
    handle = outcomes_handler(plane)
    router = APIRouter(tags=["Outcomes"])
    results = {"content": {JSON: {"schema": {"$ref": REF.format(model="OutcomeResults")}}}}
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": "Every outcome recorded", **results},
        422: {"description": "Some outcomes refused, each with its reason; the others recorded", **results},
        **error_responses(400, 413, 415, 503),
    }

    @router.post(
        "/v1/outcomes",
        summary="Report what truly happened for predictions",
        description=(
            "The true label, the true value or a business number (such as 1 for a conversion) of"
            f" predictions, by their ids: one outcome, or up to {MAX_OUTCOMES} as"
            ' {"outcomes": [...]}. Counted per model version at /metrics (model_outcomes_*).'
        ),
        openapi_extra=request_body(),
        responses=responses,
    )
    async def outcomes(request: Request) -> Response:
        reply, status = handle(await request.body(), request.headers)
        return respond(reply, status)

    return router
