"""Smoke-test a deployed service: readiness, then one prediction of a typical row built from /model."""

from typing import Any

from ..errors import Failure
from .served import fetch, request_json


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


def smoke(base_url: str) -> dict[str, Any]:
    """Check readiness, then predict one typical row; return the prediction."""
    base = base_url.rstrip("/")
    fetch(f"{base}/readyz")
    model = request_json(f"{base}/model")
    try:
        row = typical_row(model)
    except (KeyError, TypeError, ValueError) as error:
        raise Failure(f"{base}/model does not describe the features: {error}") from error
    prediction = request_json(f"{base}/predict", row)
    if not isinstance(prediction, dict) or not prediction:
        raise Failure(f"{base}/predict answered {prediction!r}; expected a JSON object")
    return prediction
