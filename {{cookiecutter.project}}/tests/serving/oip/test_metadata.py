"""What a client learns of the model over OIP: its name and version (others are a 404), each input
tensor with its datatype and its columns in order, and the outputs onnxruntime reports."""

import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.http.responses import ApiError
from {{ cookiecutter.package }}.serving.oip.metadata import (
    check_model,
    infer_description,
    model_metadata,
)
from {{ cookiecutter.package }}.serving.plane import Plane


def test_another_model_or_version_is_not_found(plane: Plane, manifest: ModelManifest) -> None:
    check_model(plane, manifest.name, None)
    check_model(plane, manifest.name, manifest.version)
    for name, version in (("other", None), (manifest.name, "0")):
        with pytest.raises(ApiError) as refused:
            check_model(plane, name, version)
        assert refused.value.status == 404


def test_metadata_lists_each_tensor_with_its_datatype_and_columns(
    plane: Plane, manifest: ModelManifest
) -> None:
    metadata = model_metadata(plane, manifest.name, None)
    assert (metadata["name"], metadata["versions"]) == (manifest.name, [manifest.version])
    datatypes = {"tensor(float)": "FP32", "tensor(string)": "BYTES"}
    assert metadata["inputs"] == [
        {
            "name": tensor.name,
            "datatype": datatypes[tensor.onnx_type],
            "shape": [-1, len(tensor.columns)],
            "parameters": {"columns": tensor.columns},
        }
        for tensor in manifest.input_tensors
    ]
    assert [output["name"] for output in metadata["outputs"]] == manifest.output_names


def test_the_inference_description_lists_the_columns_of_each_tensor(manifest: ModelManifest) -> None:
    description = infer_description(manifest)
    assert description.startswith(infer_description(None))
    for tensor in manifest.input_tensors:
        assert f"`{tensor.name}` columns: {', '.join(tensor.columns)}." in description
