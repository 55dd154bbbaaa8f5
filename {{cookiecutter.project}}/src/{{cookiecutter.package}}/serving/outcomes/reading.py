"""A /v1/outcomes body read into outcomes: one object, or {"outcomes": [...]} of up to MAX_OUTCOMES.

The body as a whole is refused with the error every route gives (not JSON, a repeated key, no list, too
many); within a good body, each item that is no outcome is refused alone, as `malformed`, and the others
are still recorded.
"""

from typing import Any

from ...outcomes.metrics import KINDS, OutcomeKind
from ...outcomes.record import MAX_OUTCOMES, Outcome, Refused
from ..http.bodies import check_unique_keys, count_keys, decode_json
from ..http.responses import ApiError

ITEM = f"an outcome is an object of prediction_id and one of {', '.join(KINDS)}"
LABEL_TYPES = (str, int, float)
BATCH = '{"outcomes": [...]}'
_KIND: dict[str, OutcomeKind] = {kind: kind for kind in KINDS}


def read_outcomes(body: bytes, content_type: str | None) -> list[Outcome | Refused]:
    document = decode_json(body, content_type)
    check_unique_keys(body, count_keys(document, opaque="\x00"))
    if not isinstance(document, dict) or "outcomes" not in document:
        return [read_item(document)]
    items = document["outcomes"]
    if len(document) > 1 or not isinstance(items, list) or not items:
        raise ApiError(422, f"send one outcome, or {BATCH} holding 1 to {MAX_OUTCOMES}")
    if len(items) > MAX_OUTCOMES:
        raise ApiError(413, f"{len(items)} outcomes in one request; send at most {MAX_OUTCOMES}")
    return [read_item(item) for item in items]


def read_item(item: Any) -> Outcome | Refused:
    """An outcome, or why this item is none; the values are judged when the id is (record.py)."""
    if not isinstance(item, dict):
        return Refused("malformed", ITEM)
    kinds = [_KIND.get(key) for key in item if key != "prediction_id"]
    kind = kinds[0] if len(kinds) == 1 else None
    if kind is None or "prediction_id" not in item:
        return Refused("malformed", f"{ITEM}; this one has {_keys(item)}")
    truth = item[kind]
    if kind == "label" and not isinstance(truth, LABEL_TYPES):
        return Refused("malformed", "a label is text, a number or a boolean, as /predict names the class")
    return Outcome(item["prediction_id"], kind, truth)


def _keys(item: dict[str, Any]) -> str:
    names = [repr(key[:40]) for key in list(item)[:5]]
    return ", ".join(names) + (" ..." if len(item) > 5 else "") if names else "no keys"
