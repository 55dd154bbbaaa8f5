"""The /predict codec: named features in, as the model's checked tensors; labels or values out."""

import json
from operator import itemgetter
from typing import Any

from ...manifest import LABEL_OUTPUT, PROBABILITIES_OUTPUT, VALUE_OUTPUT, ModelManifest
from ...runtime.columns import Columns, Feed, InputError, as_values
from ...runtime.predictor import Outputs
from ..http.bodies import Unprocessable, check_unique_keys, decode_json
from ..http.responses import ApiError, Reply, json_reply
from ..ids import id_header

# JSON bytes per feature value beyond its name: the longest float64 repr ("-2.2250738585072014e-308"),
# ": " and ", ", and the newline and indent of a pretty-printed body.
VALUE_BYTES = 24 + 4 + 8
# A category is a string of any length; a batch of the row limit may spend this much on each.
CATEGORY_BYTES = 256


def largest_body(manifest: ModelManifest, max_rows: int) -> int:
    """Bytes of the largest /predict body a client may send: max_rows rows at full float precision
    and categories of up to CATEGORY_BYTES each.

    /predict names every value, so this also bounds an OIP body of as many rows.
    """
    numbers = sum(len(json.dumps(feature.name)) + VALUE_BYTES for feature in manifest.features)
    longest = max((len(json.dumps(c)) for f in manifest.categorical for c in f.categories), default=0)
    per_category = max(CATEGORY_BYTES, longest) + 4 + 8
    categories = sum(len(json.dumps(feature.name)) + per_category for feature in manifest.categorical)
    return max_rows * (numbers + categories + 16) + 1024


def getter(names: list[str]) -> Any:
    """A function from a row (dict) to its values for `names`, as a tuple."""
    if not names:
        return lambda row: ()
    get = itemgetter(*names)
    return get if len(names) > 1 else lambda row: (get(row),)


class RowReader:
    """Reads /predict bodies: one row as an object of features, or {"rows": [objects]}, into the model's
    tensors through its column codec; a body the model cannot take is Unprocessable (413: too many rows)."""

    def __init__(self, columns: Columns, max_rows: int) -> None:
        self.columns = columns
        self.names = self.columns.names
        self.name_set = frozenset(self.names)
        self.max_rows = max_rows
        self.numbers = getter(self.columns.numeric)
        self.strings = getter(self.columns.categorical)

    def read(self, body: bytes, content_type: str | None) -> tuple[Feed, bool]:
        """Return (the model's input tensors, whether the body was a batch)."""
        document = decode_json(body, content_type)
        if not isinstance(document, dict):
            raise Unprocessable('body must be a JSON object: one row of features, or {"rows": [...]}')
        batch = len(document) == 1 and isinstance(document.get("rows"), list)
        rows: list[Any] = document["rows"] if batch else [document]
        if not rows:
            raise Unprocessable('"rows" is empty; send at least one row')
        if len(rows) > self.max_rows:
            raise ApiError(413, f"batch has {len(rows)} rows; the limit is {self.max_rows}")
        for index, row in enumerate(rows):
            if not isinstance(row, dict) or row.keys() != self.name_set:
                raise Unprocessable(self._describe(index, row, batch))
        check_unique_keys(body, len(self.names) * len(rows) + batch)
        try:
            return self._feed(rows, body), batch
        except InputError as error:
            where = f"rows[{error.problem.row}]" if batch else "body"
            raise Unprocessable(f"{where}.{error.name}: {error.problem.reason}") from None

    def _feed(self, rows: list[Any], body: bytes) -> Feed:
        numbers = strings = None
        if self.columns.numeric:
            table = [self.numbers(row) for row in rows]
            # numpy reads true as 1.0 and fails on ragged values: those bodies take the exact check.
            exact = b"true" in body or b"false" in body
            numbers = self.columns.numbers(as_values(table, exact, rows=True))
        if self.columns.categorical:
            strings = self.columns.strings(as_values([self.strings(row) for row in rows], True, rows=True))
        return self.columns.feed(numbers, strings)

    def _describe(self, index: int, row: Any, batch: bool) -> str:
        where = f"rows[{index}]" if batch else "body"
        if not isinstance(row, dict):
            return f"{where} must be an object of feature values"
        missing = [name for name in self.names if name not in row]
        extra = sorted(set(row) - self.name_set)
        parts = [f"missing features: {', '.join(missing)}"] if missing else []
        parts += [f"unknown features: {', '.join(extra)}"] if extra else []
        return f"{where}: {'; '.join(parts)}"


def format_predictions(classes: list[str] | None, outputs: Outputs, batch: bool, ids: list[str]) -> Reply:
    """One prediction object for a single row, or {"predictions": [...]} for a batch, with the rows'
    `prediction_ids` (and, for one row, its X-Prediction-Id header). The label is the model's own label
    output, which applies a binary model's decision threshold (export.py)."""
    predictions: list[dict[str, Any]]
    if classes:
        probabilities = outputs[PROBABILITIES_OUTPUT]
        labels = [classes[index] for index in outputs[LABEL_OUTPUT].tolist()]
        predictions = [
            {"label": label, "probabilities": dict(zip(classes, row, strict=True))}
            for label, row in zip(labels, probabilities.tolist(), strict=True)
        ]
    else:
        predictions = [{"value": value} for value in outputs[VALUE_OUTPUT].ravel().tolist()]
    answer = {"predictions": predictions} if batch else predictions[0]
    return json_reply({**answer, "prediction_ids": ids}, id_header(ids))
