"""What two models' answers to one request say, and whether the two agree."""

from dataclasses import dataclass
from typing import Any, Literal

import orjson

from ...labels import LabelTable
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


def agree(own: Answer, stable: Answer, tolerance: float) -> int | None:
    """How many rows got the same class, or values within `tolerance` of the larger (at least 1); None
    when the answers do not compare (another kind, another number of rows)."""
    if own[0] != stable[0] or len(own[1]) != len(stable[1]):
        return None
    pairs = zip(own[1], stable[1], strict=True)
    if own[0] == "class":
        return sum(1 for mine, theirs in pairs if mine == theirs)
    return sum(
        1 for mine, theirs in pairs if abs(mine - theirs) <= tolerance * max(1.0, abs(mine), abs(theirs))
    )


def by_class(answer: Answer, classes: LabelTable) -> Answer | None:
    """A class answer with each label as its class's digest, read by name (/predict) or by index (OIP),
    so that two models that list or spell the same classes otherwise compare; None when a label is none
    of the model's classes (it says nothing of agreement). Any other answer as it is."""
    if answer[0] != "class":
        return answer
    digests = []
    for label in answer[1]:
        index = _class_index(label, classes)
        if index is None:
            return None
        digests.append(classes.digests[index])
    return "class", digests


def _class_index(label: Any, classes: LabelTable) -> int | None:
    if isinstance(label, str):
        return classes.names.get(label)
    if isinstance(label, int) and not isinstance(label, bool) and 0 <= label < len(classes.classes):
        return label
    return None


@dataclass(frozen=True)
class StableDocument:
    """What the stage reads of the stable's /model."""

    sha256: str | None
    task: str
    classes: list[str] | None


def read_model(content: bytes) -> StableDocument | None:
    """The stable's /model document, or None when it is not one (another server, a broken stable)."""
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("task"), str):
        return None
    classes = document.get("classes")
    if classes is not None and not (
        isinstance(classes, list) and all(isinstance(name, str) for name in classes)
    ):
        return None
    onnx = document.get("onnx")
    sha = onnx.get("sha256") if isinstance(onnx, dict) else None
    return StableDocument(sha if isinstance(sha, str) else None, document["task"], classes)


def incomparable(
    own: ModelManifest, own_classes: LabelTable, stable: StableDocument, stable_classes: LabelTable
) -> str | None:
    """Why the stable model's answers cannot be compared with this one's, or None."""
    if stable.task != own.task:
        return f"the stable model's task is {stable.task!r}, this one's {own.task!r}"
    # As sets of digests: the same classes in another order or spelling ("1.0" for "1") compare.
    if set(stable_classes.digests) != set(own_classes.digests):
        return f"the stable model's classes ({some(stable_classes)}) are not this one's ({some(own_classes)})"
    return None


def some(classes: LabelTable, shown: int = 5) -> str:
    """A few of the classes, for one log line: a stable's /model may list thousands."""
    names = ", ".join(repr(name[:40]) for name in classes.classes[:shown])
    more = len(classes.classes) - shown
    return f"{names} and {more} more" if more > 0 else names
