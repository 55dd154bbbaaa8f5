"""The /predict codec: named features in, as a checked float32 array; labels or values out."""

import json
from operator import itemgetter
from typing import Any

import numpy as np

from ...manifest import ModelManifest
from ..inputs import NOT_A_NUMBER, check_values, to_array
from ..predictor import Outputs
from ..responses import ApiError, Reply, json_reply

# JSON bytes per feature value beyond its name: the longest float64 repr ("-2.2250738585072014e-308"),
# ": " and ", ", and the newline and indent of a pretty-printed body.
VALUE_BYTES = 24 + 4 + 8


def largest_body(manifest: ModelManifest, max_rows: int) -> int:
    """Bytes of the largest /predict body a client may send: max_rows rows at full float precision.

    /predict names every value, so this also bounds an OIP body of as many rows.
    """
    row = sum(len(json.dumps(name)) + VALUE_BYTES for name in manifest.feature_names) + 16
    return max_rows * row + 1024


class RowReader:
    """Reads /predict bodies: one row as an object of features, or {"rows": [objects]}."""

    def __init__(self, manifest: ModelManifest, max_rows: int) -> None:
        self.names = manifest.feature_names
        self.name_set = frozenset(self.names)
        self.max_rows = max_rows
        getter = itemgetter(*self.names)
        self.getter = getter if len(self.names) > 1 else lambda row: (getter(row),)
        integer = np.array([feature.dtype == "integer" for feature in manifest.features])
        self.integer_columns = integer if integer.any() else None

    def read(self, document: Any, body: bytes) -> tuple[np.ndarray, bool]:
        """Return ([n, features] float32, whether the body was a batch)."""
        if not isinstance(document, dict):
            raise ApiError(422, 'body must be a JSON object: one row of features, or {"rows": [...]}')
        batch = len(document) == 1 and isinstance(document.get("rows"), list)
        rows: list[Any] = document["rows"] if batch else [document]
        if not rows:
            raise ApiError(422, '"rows" is empty; send at least one row')
        if len(rows) > self.max_rows:
            raise ApiError(413, f"batch has {len(rows)} rows; the limit is {self.max_rows}")
        for index, row in enumerate(rows):
            if not isinstance(row, dict) or row.keys() != self.name_set:
                raise ApiError(422, self._describe(index, row, batch))
        values = to_array([self.getter(row) for row in rows], body)
        if values.ndim != 2:
            raise ApiError(422, NOT_A_NUMBER)
        return check_values(values, self.integer_columns), batch

    def _describe(self, index: int, row: Any, batch: bool) -> str:
        where = f"rows[{index}]" if batch else "body"
        if not isinstance(row, dict):
            return f"{where} must be an object of feature values"
        missing = [name for name in self.names if name not in row]
        extra = sorted(set(row) - self.name_set)
        parts = [f"missing features: {', '.join(missing)}"] if missing else []
        parts += [f"unknown features: {', '.join(extra)}"] if extra else []
        return f"{where}: {'; '.join(parts)}"


def format_predictions(classes: list[str] | None, outputs: Outputs, batch: bool) -> Reply:
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
    return json_reply({"predictions": predictions} if batch else predictions[0])
