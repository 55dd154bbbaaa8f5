"""Smoke-test a deployed service: readiness, then one prediction of a typical row built from /model.

With a variant, every request carries the header that routes it to that variant's pods: during a
production rollout on the Gateway API, `X-Model-Variant: canary` reaches the canary before any user
weight moves (k8s/overlays/production/rollout.yaml, setHeaderRoute)."""

from typing import Any

from ..errors import Failure
from .served import fetch, identity_of, request_json

VARIANT_HEADER = "X-Model-Variant"


def typical_row(model: dict[str, Any]) -> dict[str, float | str | None]:
    """One plausible input: every number at its training mean (integers rounded), every category at
    its most frequent value."""
    row: dict[str, float | str | None] = {}
    for feature in model["features"]:
        mean = float(feature["summary"]["mean"])
        row[feature["name"]] = float(round(mean)) if feature["dtype"] == "integer" else mean
    for feature in model.get("categorical", []):
        shares = feature["shares"]
        row[feature["name"]] = feature["categories"][shares.index(max(shares))] if shares else None
    return row


def smoke(base_url: str, variant: str | None = None, model_sha256: str | None = None) -> dict[str, Any]:
    """Check readiness, then predict one typical row; return the prediction. With `model_sha256`, the
    answering pod must serve that model: a header route that is not (yet) in place fails here, instead
    of the stable model passing the smoke test in the canary's name."""
    base = base_url.rstrip("/")
    headers = {VARIANT_HEADER: variant} if variant else {}
    fetch(f"{base}/readyz", headers=headers)
    model = request_json(f"{base}/model", headers=headers)
    if model_sha256 is not None and (served := identity_of(base, model).model_sha256) != model_sha256:
        raise Failure(f"{base}/model reports model {served!r}, not {model_sha256}")
    try:
        row = typical_row(model)
    except (KeyError, TypeError, ValueError) as error:
        raise Failure(f"{base}/model does not describe the features: {error}") from error
    prediction = request_json(f"{base}/predict", row, headers)
    if not isinstance(prediction, dict) or not prediction:
        raise Failure(f"{base}/predict answered {prediction!r}; expected a JSON object")
    return prediction
