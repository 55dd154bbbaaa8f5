"""Does the ONNX graph take and give what its manifest says? Checked once, when the model loads.

A model exported for other features or another task would otherwise be ready and then fail every
request; onnxruntime reports what the graph declares, so the mismatch shows before any traffic.
"""

import onnxruntime as ort

from ..manifest import CATEGORICAL_INPUT, ONNX_INPUT, ModelManifest

# The outputs serving reads from a model of each task, by name.
OUTPUTS = {
    "binary": ["label", "probabilities"],
    "multiclass": ["label", "probabilities"],
    "regression": ["variable"],
}


def signature_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    """Every way the graph's input and outputs differ from the manifest, in words; empty when none."""
    return [
        *_input_problems(session, manifest),
        *_output_problems(session, manifest),
        *_class_problems(session, manifest),
    ]


def expected_inputs(manifest: ModelManifest) -> list[tuple[str, str, int]]:
    """(name, onnxruntime type, width) of each input tensor the manifest's features make."""
    inputs = [(ONNX_INPUT, "tensor(float)", len(manifest.features))] if manifest.features else []
    if manifest.categorical:
        inputs.append((CATEGORICAL_INPUT, "tensor(string)", len(manifest.categorical)))
    return inputs


def input_columns(manifest: ModelManifest) -> dict[str, list[str]]:
    """The feature names of each input tensor, in its column order: what OIP clients must send."""
    kinds = (
        (ONNX_INPUT, [feature.name for feature in manifest.features]),
        (CATEGORICAL_INPUT, [feature.name for feature in manifest.categorical]),
    )
    return {tensor: names for tensor, names in kinds if names}


def _input_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    inputs, expected = session.get_inputs(), expected_inputs(manifest)
    names = [tensor.name for tensor in inputs]
    if names != [name for name, _, _ in expected]:
        return [f"the model's inputs are {names}; the manifest's features make {[n for n, _, _ in expected]}"]
    problems = []
    for tensor, (name, kind, width) in zip(inputs, expected, strict=True):
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
    expected = OUTPUTS[manifest.task]
    task = manifest.task
    if names == declared == expected:
        # Serving reads the label as an index into the manifest's classes.
        label = session.get_outputs()[0]
        if label.name == "label" and label.type != "tensor(int64)":
            return [f"the label output is {label.type}; a {task} model's is tensor(int64), class indices"]
        return []
    return [f"the model's outputs are {names} and the manifest's {declared}; a {task} model gives {expected}"]


def _class_problems(session: ort.InferenceSession, manifest: ModelManifest) -> list[str]:
    count = len(manifest.classes or [])
    if manifest.task == "regression":
        return [f"a regression model has no classes; the manifest lists {count}"] if count else []
    if (manifest.task == "binary" and count != 2) or (manifest.task == "multiclass" and count < 3):
        return [f"a {manifest.task} model cannot have {count} classes"]
    shapes = {tensor.name: tensor.shape for tensor in session.get_outputs()}
    columns = shapes.get("probabilities", [None, None])[1:]
    # A symbolic width (a name, or None) cannot be checked before the model runs.
    if len(columns) != 1 or (isinstance(columns[0], int) and columns[0] != count):
        return [
            f"the probabilities have shape {shapes.get('probabilities')}; the manifest lists {count} classes"
        ]
    return []
