"""What a client learns about the model over OIP: its metadata, and the inference routes' description,
both with each input tensor's columns in the order the model reads them."""

from typing import Any

from ...manifest import ModelManifest
from ..http.responses import ApiError
from ..plane import Plane
from .datatypes import datatype_of_onnx


def check_model(plane: Plane, name: str, version: str | None) -> None:
    manifest = plane.manifest
    if name != manifest.name:
        raise ApiError(404, f"model {name!r} not found; this server serves {manifest.name!r}")
    if version is not None and version != manifest.version:
        raise ApiError(404, f"version {version!r} not found; this server serves {manifest.version!r}")


def model_metadata(plane: Plane, name: str, version: str | None) -> dict[str, Any]:
    check_model(plane, name, version)
    manifest = plane.manifest
    session = plane.predictor.session
    assert session is not None, "a manifest is only returned for a loaded model"
    return {
        "name": manifest.name,
        "versions": [manifest.version],
        "platform": "onnxruntime_onnx",
        # Each tensor's columns, in order, as parameters (MLServer's metadata tensors carry them too).
        "inputs": [
            {
                "name": tensor.name,
                "datatype": datatype_of_onnx(tensor.onnx_type),
                "shape": [-1, len(tensor.columns)],
                "parameters": {"columns": tensor.columns},
            }
            for tensor in manifest.input_tensors
        ],
        "outputs": [
            {
                "name": out.name,
                "datatype": datatype_of_onnx(out.type),
                "shape": [-1, *out.shape[1:]],
            }
            for out in session.get_outputs()
        ],
    }


def infer_description(manifest: ModelManifest | None) -> str:
    """The inference routes' OpenAPI description: both forms of a request, with this model's columns."""
    forms = (
        "Send the model's tensors, `input` (the numbers, in any numeric datatype) and `categorical` (BYTES),"
        " each [rows, columns] with its columns in the order below, which GET /v2/models/{name} also lists"
        " as each input's parameters.columns (a tensor may send them, to have them checked). Or send one"
        " tensor per feature, named by the feature, shape [rows] or [rows, 1], in any order."
    )
    if manifest is None:
        return forms
    tensors = manifest.input_tensors
    return forms + "".join(f"\n\n`{name}` columns: {', '.join(columns)}." for name, _, columns in tensors)
