"""The graph check: a model whose inputs, outputs or classes differ from its manifest is named as such
before any traffic; the exported model agrees with its own manifest."""

from pathlib import Path
from typing import Any, NamedTuple

import onnxruntime as ort
import pytest

from {{ cookiecutter.package }}.manifest import ONNX_FILE, ModelManifest
from {{ cookiecutter.package }}.runtime.graph import signature_problems


class Tensor(NamedTuple):
    """What onnxruntime reports of one input or output."""

    name: str
    type: str
    shape: list[Any]


class Session:
    """Stands in for an InferenceSession: only what the graph check reads."""

    def __init__(self, inputs: list[Tensor], outputs: list[Tensor]) -> None:
        self.inputs, self.outputs = inputs, outputs

    def get_inputs(self) -> list[Tensor]:
        return self.inputs

    def get_outputs(self) -> list[Tensor]:
        return self.outputs


def matching(manifest: ModelManifest) -> Session:
    """A graph exactly as the manifest describes it."""
    inputs = [Tensor(name, kind, [None, len(columns)]) for name, kind, columns in manifest.input_tensors]
    classes = len(manifest.classes or [])
    kinds: dict[str, tuple[str, list[Any]]] = {
        "label": ("tensor(int64)", [None]),
        "probabilities": ("tensor(float)", [None, classes]),
    }
    outputs = [Tensor(name, *kinds.get(name, ("tensor(float)", [None, 1]))) for name in manifest.output_names]
    return Session(inputs, outputs)


def problems(session: Session, manifest: ModelManifest) -> list[str]:
    return signature_problems(session, manifest)


def test_the_exported_model_matches_its_manifest(artifacts_dir: Path, manifest: ModelManifest) -> None:
    session = ort.InferenceSession(str(artifacts_dir / ONNX_FILE), providers=["CPUExecutionProvider"])
    assert signature_problems(session, manifest) == []
    assert problems(matching(manifest), manifest) == []


def test_an_input_of_another_width_or_type_is_named(manifest: ModelManifest) -> None:
    session = matching(manifest)
    name, kind, columns = manifest.input_tensors[0]
    session.inputs[0] = Tensor(name, "tensor(double)", [None, len(columns) + 1])
    assert problems(session, manifest) == [
        f"the input {name!r} is tensor(double), not {kind}",
        f"the input {name!r} has shape [None, {len(columns) + 1}]; the manifest lists {len(columns)}"
        " features",
    ]


def test_inputs_of_other_names_are_named(manifest: ModelManifest) -> None:
    session = matching(manifest)
    session.inputs = [Tensor("x", "tensor(float)", [None, 1])]
    assert problems(session, manifest)[0].startswith(
        "the model's inputs are ['x']; the manifest's features make"
    )


def test_outputs_of_another_task_are_named(manifest: ModelManifest) -> None:
    session = matching(manifest)
    session.outputs = [Tensor("something", "tensor(float)", [None, 1])]
    declared = manifest.onnx.outputs if manifest.onnx else []
    assert problems(session, manifest) == [
        f"the model's outputs are ['something'] and the manifest's {declared};"
        f" a {manifest.task} model gives {manifest.output_names}"
    ]


def test_a_classifier_whose_probabilities_miss_a_class_is_named(manifest: ModelManifest) -> None:
    if not manifest.classes:
        pytest.skip("a regression model has no classes")
    session = matching(manifest)
    session.outputs[1] = Tensor("probabilities", "tensor(float)", [None, len(manifest.classes) - 1])
    assert problems(session, manifest) == [
        f"the probabilities have shape [None, {len(manifest.classes) - 1}]; the manifest lists"
        f" {len(manifest.classes)} classes"
    ]


def test_a_label_that_is_not_a_class_index_is_named(manifest: ModelManifest) -> None:
    if not manifest.classes:
        pytest.skip("a regression model has no label")
    session = matching(manifest)
    session.outputs[0] = Tensor("label", "tensor(string)", [None])
    assert problems(session, manifest) == [
        f"the label output is tensor(string); a {manifest.task} model's is tensor(int64), class indices"
    ]


def test_a_symbolic_width_of_the_probabilities_is_accepted(manifest: ModelManifest) -> None:
    if not manifest.classes:
        pytest.skip("a regression model has no classes")
    session = matching(manifest)
    session.outputs[1] = Tensor("probabilities", "tensor(float)", [None, "classes"])
    assert problems(session, manifest) == []
