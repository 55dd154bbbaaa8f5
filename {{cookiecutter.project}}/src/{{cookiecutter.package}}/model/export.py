"""Convert the fitted pipeline to ONNX and prove onnxruntime reproduces scikit-learn on held-out rows."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import Failure
from ..manifest import (
    LABEL_OUTPUT,
    ONNX_FILE,
    PIPELINE_FILE,
    PROBABILITIES_OUTPUT,
    TASK_OUTPUTS,
    VALUE_OUTPUT,
    ModelManifest,
    OnnxModel,
    Parity,
    Task,
    require_manifest,
    sha256_file,
    write_manifest,
)
from .estimators import pipeline_input
from .holdout import read_holdout
from .metrics import decide

# Opset 17 runs on every onnxruntime from 1.13 on, including the ones inside model servers.
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Predictions:
    """What one runtime predicts for the held-out rows: probabilities and labels, or regression values."""

    values: FloatArray
    labels: npt.NDArray[np.int64] | None


def export_model(artifacts: Path, tolerance: float) -> ModelManifest:
    """Write model.onnx next to the pipeline, check parity and record it in manifest.json."""
    import joblib

    manifest = require_manifest(artifacts)
    pipeline = joblib.load(artifacts / PIPELINE_FILE)
    onnx_bytes = convert(pipeline, manifest)
    holdout = read_holdout(artifacts)
    names = [column for tensor in manifest.input_tensors for column in tensor.columns]
    feeds = holdout.feeds()
    threshold = manifest.decision_threshold
    parity = check_parity(
        predict_sklearn(pipeline, pipeline_input(holdout.numbers, holdout.strings, names), threshold),
        predict_onnx(onnx_bytes, feeds, manifest.task),
        tolerance,
        threshold,
    )
    path = artifacts / ONNX_FILE
    path.write_bytes(onnx_bytes)
    onnx = OnnxModel(
        sha256=sha256_file(path),
        inputs=list(feeds),
        opset=TARGET_OPSET[""],
        parity=parity,
        outputs=manifest.output_names,
    )
    exported = manifest.model_copy(update={"onnx": onnx})
    write_manifest(artifacts, exported)
    return exported


def convert(pipeline: Any, manifest: ModelManifest) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    # The pipeline's integer column indices run over these inputs in order: numbers, then categories.
    tensor_types = {"tensor(float)": FloatTensorType, "tensor(string)": StringTensorType}
    initial_types = [
        (tensor.name, tensor_types[tensor.onnx_type]([None, len(tensor.columns)]))
        for tensor in manifest.input_tensors
    ]
    # Without zipmap the probabilities come out as one float tensor rather than a list of dicts.
    options = {id(pipeline): {"zipmap": False}} if manifest.task != "regression" else None
    model = to_onnx(pipeline, initial_types=initial_types, options=options, target_opset=TARGET_OPSET)
    if manifest.decision_threshold is not None:
        label_by_threshold(model.graph, manifest.decision_threshold)
    return bytes(model.SerializeToString())


def label_by_threshold(graph: Any, threshold: float) -> None:
    """Make the graph's label output P(classes[1]) >= threshold, so every runtime that serves the file
    (this server, an OIP server, batch scoring) labels as the gate measured."""
    from onnx import TensorProto, helper

    # The converter's own label (the likelier class) is left unused; onnxruntime prunes it.
    for node in graph.node:
        node.output[:] = ["argmax_label" if name == LABEL_OUTPUT else name for name in node.output]
    graph.initializer.extend(
        [
            helper.make_tensor("positive_column", TensorProto.INT64, [], [1]),
            helper.make_tensor("decision_threshold", TensorProto.FLOAT, [], [threshold]),
        ]
    )
    graph.node.extend(
        [
            helper.make_node("Gather", [PROBABILITIES_OUTPUT, "positive_column"], ["positive"], axis=1),
            helper.make_node("GreaterOrEqual", ["positive", "decision_threshold"], ["is_positive"]),
            helper.make_node("Cast", ["is_positive"], [LABEL_OUTPUT], to=TensorProto.INT64),
        ]
    )


def predict_sklearn(pipeline: Any, x: Any, threshold: float | None) -> Predictions:
    if hasattr(pipeline, "predict_proba"):
        probabilities = np.asarray(pipeline.predict_proba(x), dtype=np.float64)
        return Predictions(probabilities, decide(probabilities, threshold))
    return Predictions(np.asarray(pipeline.predict(x), dtype=np.float64).reshape(-1, 1), None)


def predict_onnx(onnx_bytes: bytes, feeds: dict[str, npt.NDArray[Any]], task: Task) -> Predictions:
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    outputs = TASK_OUTPUTS[task]
    named = dict(zip(outputs, session.run(outputs, feeds), strict=True))
    if VALUE_OUTPUT in named:
        return Predictions(np.asarray(named[VALUE_OUTPUT], dtype=np.float64).reshape(-1, 1), None)
    probabilities = np.asarray(named[PROBABILITIES_OUTPUT], dtype=np.float64)
    return Predictions(probabilities, np.asarray(named[LABEL_OUTPUT], dtype=np.int64))


def check_parity(
    expected: Predictions, actual: Predictions, tolerance: float, threshold: float | None = None
) -> Parity:
    """Compare row by row; regression tolerance scales with the largest prediction."""
    diffs = np.abs(expected.values - actual.values).max(axis=1)
    if expected.labels is None:
        tolerance *= max(1.0, float(np.abs(expected.values).max()))
    worst = int(np.argmax(diffs))
    if diffs[worst] > tolerance:
        raise Failure(
            parity_message(expected, actual, worst, f"max abs diff {diffs[worst]:.3g} > {tolerance:.3g}")
        )
    mismatches = 0
    if expected.labels is not None and actual.labels is not None:
        mismatched = expected.labels != actual.labels
        mismatches = int(mismatched.sum())
        # A probability within the tolerance of the threshold (or of the runner-up class) is a tie
        # either runtime may break.
        clear = margins(expected.values, threshold) > 2 * tolerance
        if (mismatched & clear).any():
            row = int(np.flatnonzero(mismatched & clear)[0])
            raise Failure(parity_message(expected, actual, row, "labels differ on a clear-margin row"))
    return Parity(
        rows=len(diffs), tolerance=tolerance, max_abs_diff=float(diffs.max()), label_mismatches=mismatches
    )


def margins(probabilities: FloatArray, threshold: float | None = None) -> FloatArray:
    if threshold is not None and probabilities.shape[1] == 2:
        return np.asarray(np.abs(probabilities[:, 1] - threshold), dtype=np.float64)
    top_two = np.sort(probabilities, axis=1)[:, -2:]
    return np.asarray(top_two[:, 1] - top_two[:, 0], dtype=np.float64)


def parity_message(expected: Predictions, actual: Predictions, row: int, reason: str) -> str:
    def show(predictions: Predictions) -> str:
        values = np.array2string(predictions.values[row], precision=6, separator=", ")
        return values if predictions.labels is None else f"label {predictions.labels[row]} {values}"

    return (
        f"ONNX parity failed ({reason}); worst held-out row {row}: "
        f"scikit-learn {show(expected)} vs onnx {show(actual)}"
    )
