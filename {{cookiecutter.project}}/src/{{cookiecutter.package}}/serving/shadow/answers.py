"""What two models' answers to one request say, and whether the two agree."""

from typing import Any, Literal

import orjson

from ...manifest import ModelManifest
from ..http.responses import JSON

# The labels of a classifier's answer (class names from /predict, indices from OIP), or the values of
# a regressor's, in row order.
Answer = tuple[Literal["class", "value"], list[Any]]


def read_answer(body: bytes, content_type: str | None) -> Answer | None:
    """The answer of /predict or OIP infer, or None when it says no label or value in JSON (binary
    tensors, an OIP request for the probabilities only, something else altogether)."""
    if content_type is None or not content_type.startswith(JSON):
        return None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    if "outputs" in document:
        return _oip_answer(document["outputs"])
    items = document.get("predictions", [document])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return None
    if items and all("label" in item for item in items):
        return "class", [item["label"] for item in items]
    values = [item.get("value") for item in items]
    return ("value", values) if values and all(_is_number(value) for value in values) else None


def _oip_answer(outputs: Any) -> Answer | None:
    if not isinstance(outputs, list):
        return None
    tensors = {
        tensor["name"]: tensor.get("data")
        for tensor in outputs
        if isinstance(tensor, dict) and isinstance(tensor.get("name"), str)
    }
    labels, values = tensors.get("label"), tensors.get("variable")
    if isinstance(labels, list):
        return "class", labels
    if isinstance(values, list) and all(_is_number(value) for value in values):
        return "value", values
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def agree(own: Answer, stable: Answer, tolerance: float) -> bool | None:
    """Whether every row got the same class, or values within `tolerance` of the larger (at least 1);
    None when the answers do not compare (another kind, another number of rows)."""
    if own[0] != stable[0] or len(own[1]) != len(stable[1]):
        return None
    if own[0] == "class":
        return own[1] == stable[1]
    return all(
        abs(mine - theirs) <= tolerance * max(1.0, abs(mine), abs(theirs))
        for mine, theirs in zip(own[1], stable[1], strict=True)
    )


def incomparable(own: ModelManifest, stable: Any) -> str | None:
    """Why the stable model's answers cannot be compared with this one's (its /model document), or None."""
    if not isinstance(stable, dict):
        return "the stable's /model is no model document"
    if stable.get("task") != own.task:
        return f"the stable model's task is {stable.get('task')!r}, this one's {own.task!r}"
    if stable.get("classes") != own.classes:
        return f"the stable model's classes {stable.get('classes')!r} are not this one's {own.classes!r}"
    return None


def model_sha(document: Any) -> str | None:
    """The ONNX model's sha256 in a /model document."""
    onnx = document.get("onnx") if isinstance(document, dict) else None
    sha = onnx.get("sha256") if isinstance(onnx, dict) else None
    return sha if isinstance(sha, str) else None
