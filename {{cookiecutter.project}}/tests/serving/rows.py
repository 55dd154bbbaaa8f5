"""Requests for the serving tests, and what the exported model itself answers to them."""

from pathlib import Path

import numpy as np
import onnxruntime as ort

from {{ cookiecutter.package }}.manifest import ONNX_FILE, ModelManifest


def typical_rows(manifest: ModelManifest, count: int = 1) -> list[dict[str, float]]:
    """Rows spread between each feature's training minimum and maximum (integers kept whole)."""
    rows = []
    for index in range(count):
        share = (index + 1) / (count + 1)
        row = {}
        for feature in manifest.features:
            value = feature.summary.min + share * (feature.summary.max - feature.summary.min)
            row[feature.name] = float(round(value)) if feature.dtype == "integer" else value
        rows.append(row)
    return rows


def as_matrix(manifest: ModelManifest, rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[row[name] for name in manifest.feature_names] for row in rows], dtype=np.float32)


def onnx_outputs(model_dir: Path, matrix: np.ndarray) -> dict[str, np.ndarray]:
    """What the exported model itself answers, the reference for every server result."""
    session = ort.InferenceSession(str(model_dir / ONNX_FILE), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, {"input": matrix}), strict=True))
