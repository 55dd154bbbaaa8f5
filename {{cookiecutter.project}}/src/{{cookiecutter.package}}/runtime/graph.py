"""Does the ONNX graph take and give what its manifest says? Checked once, when the model loads.

A model exported for other features or another task would otherwise be ready and then fail every
request; onnxruntime reports what the graph declares, so the mismatch shows before any traffic.
"""

import onnxruntime as ort

from ..manifest import LABEL_OUTPUT, PROBABILITIES_OUTPUT, ModelManifest


def signature_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    """Every way the graph's input and outputs differ from the manifest, in words; empty when none."""
    return [
        *_input_problems(session, manifest),
        *_output_problems(session, manifest),
        *_class_problems(session, manifest),
    ]


def _input_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    inputs, expected = session.get_inputs(), manifest.input_tensors
    names = [tensor.name for tensor in inputs]
    if names != [tensor.name for tensor in expected]:
        return [f"the model's inputs are {names}; the manifest's features make {[t.name for t in expected]}"]
    problems = []
    for tensor, (name, kind, columns) in zip(inputs, expected, strict=True):
        width = len(columns)
        if tensor.type != kind:
            problems.append(f"the input {name!r} is {tensor.type}, not {kind}")
        if len(tensor.shape) != 2 or tensor.shape[1] != width:
            problems.append(
                f"the input {name!r} has shape {tensor.shape}; the manifest lists {width} features"
            )
    return problems


def _output_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    names = [tensor.name for tensor in session.get_outputs()]
    declared = manifest.onnx.outputs if manifest.onnx else []
    expected = manifest.output_names
    task = manifest.task
    if names == declared == expected:
        # Serving reads the label as an index into the manifest's classes.
        label = session.get_outputs()[0]
        if label.name == LABEL_OUTPUT and label.type != "tensor(int64)":
            return [f"the label output is {label.type}; a {task} model's is tensor(int64), class indices"]
        return []
    return [f"the model's outputs are {names} and the manifest's {declared}; a {task} model gives {expected}"]


def _class_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    count = len(manifest.classes or [])
    if manifest.task == "regression":
        return [f"a regression model has no classes; the manifest lists {count}"] if count else []
    if (manifest.task == "binary" and count != 2) or (manifest.task == "multiclass" and count < 3):
        return [f"a {manifest.task} model cannot have {count} classes"]
    shape = {tensor.name: tensor.shape for tensor in session.get_outputs()}.get(PROBABILITIES_OUTPUT)
    columns = (shape or [None, None])[1:]
    # A symbolic width (a name, or None) cannot be checked before the model runs.
    if len(columns) != 1 or (isinstance(columns[0], int) and columns[0] != count):
        return [f"the probabilities have shape {shape}; the manifest lists {count} classes"]
    return []
