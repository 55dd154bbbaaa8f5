"""Requests for the serving tests, and what the exported model itself answers to them."""

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from {{ cookiecutter.package }}.manifest import (
    ONNX_FILE,
    ModelManifest,
    read_manifest,
    write_manifest,
)

Row = dict[str, Any]
# 17 significant digits and an exponent: as long as float64 reprs of feature values get.
FULL_PRECISION = -1.2345678901234567e-05


def typical_rows(manifest: ModelManifest, count: int = 1) -> list[Row]:
    """Rows spread between each number's training minimum and maximum (integers kept whole), and
    through each feature's known categories."""
    rows = []
    for index in range(count):
        share = (index + 1) / (count + 1)
        row: Row = {}
        for feature in manifest.features:
            value = feature.summary.min + share * (feature.summary.max - feature.summary.min)
            row[feature.name] = float(round(value)) if feature.dtype == "integer" else value
        for categorical in manifest.categorical:
            known = categorical.categories or [""]
            row[categorical.name] = known[index % len(known)]
        rows.append(row)
    return rows


def as_matrix(manifest: ModelManifest, rows: list[Row]) -> np.ndarray:
    """The numeric features of rows, as the `input` tensor holds them."""
    return np.array([[row[name] for name in manifest.feature_names] for row in rows], dtype=np.float32)


def as_feed(manifest: ModelManifest, rows: list[Row]) -> dict[str, np.ndarray]:
    """Rows as the model's input tensors: only those it has features for."""
    feed = {"input": as_matrix(manifest, rows)} if manifest.features else {}
    if manifest.categorical:
        names = [feature.name for feature in manifest.categorical]
        feed["categorical"] = np.array([[row[name] or "" for name in names] for row in rows], dtype=object)
    return feed


def oip_inputs(manifest: ModelManifest, rows: list[Row]) -> list[dict[str, Any]]:
    """OIP JSON input tensors for rows."""
    feed = as_feed(manifest, rows)
    return [
        {
            "name": name,
            "shape": list(values.shape),
            "datatype": "FP32" if name == "input" else "BYTES",
            "data": values.tolist(),
        }
        for name, values in feed.items()
    ]


def onnx_outputs(model_dir: Path, feed: dict[str, np.ndarray] | np.ndarray) -> dict[str, np.ndarray]:
    """What the exported model itself answers, the reference for every server result."""
    session = ort.InferenceSession(str(model_dir / ONNX_FILE), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    inputs = feed if isinstance(feed, dict) else {"input": feed}
    return dict(zip(names, session.run(names, inputs), strict=True))


def categorical_inputs(manifest: ModelManifest, count: int = 1) -> list[dict[str, Any]]:
    """The `categorical` tensor of `count` typical rows, as a list: empty for a model without categories."""
    return [
        tensor for tensor in oip_inputs(manifest, typical_rows(manifest, count)) if tensor["name"] != "input"
    ]


def numbers_of(manifest: ModelManifest, row: Row) -> list[float]:
    """A row's numeric values, in the column order of the `input` tensor."""
    return [row[name] for name in manifest.feature_names]


def largest_row(manifest: ModelManifest, category_bytes: int) -> Row:
    """Every number at full precision (an integer feature takes any number too), every category
    `category_bytes` long (an unseen one)."""
    row: Row = dict.fromkeys(manifest.feature_names, FULL_PRECISION)
    row.update({feature.name: "x" * category_bytes for feature in manifest.categorical})
    return row


def integer_coded(model_dir: Path) -> None:
    """Declare every category column of a model directory integer-coded, as training records a column
    of integer codes: its categories stay, and a text value stays text."""
    manifest = read_manifest(model_dir)
    categorical = [feature.model_copy(update={"dtype": "integer"}) for feature in manifest.categorical]
    write_manifest(model_dir, manifest.model_copy(update={"categorical": categorical}))
