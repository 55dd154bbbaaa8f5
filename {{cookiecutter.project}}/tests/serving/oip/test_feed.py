"""A v2 request's inputs as the model's checked tensors: the model's own tensors, or one per feature
(named.py), with every way a request can miss the model's layout refused in words."""

from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import ONNX_INPUT, ModelManifest
from {{ cookiecutter.package }}.serving.http.bodies import Unprocessable
from {{ cookiecutter.package }}.serving.oip.feed import read_feed
from {{ cookiecutter.package }}.serving.plane import Plane

from ...rows import as_feed, oip_inputs, typical_rows


def read(plane: Plane, inputs: Any, **document: Any) -> dict[str, np.ndarray]:
    return read_feed(plane, {"inputs": inputs, **document}, b"", b"")


def test_the_models_own_tensors_are_read_as_its_feed(plane: Plane, manifest: ModelManifest) -> None:
    rows = typical_rows(manifest, 3)
    feed = read(plane, oip_inputs(manifest, rows))
    expected = as_feed(manifest, rows)
    assert feed.keys() == expected.keys()
    np.testing.assert_array_equal(feed[ONNX_INPUT], expected[ONNX_INPUT])


def test_a_request_gets_its_defaults(plane: Plane, manifest: ModelManifest) -> None:
    document: dict[str, Any] = {"inputs": oip_inputs(manifest, typical_rows(manifest))}
    read_feed(plane, document, b"", b"")
    assert document["outputs"] is None
    assert document["parameters"] == {}


def test_inputs_of_other_names_are_refused_with_both_forms(plane: Plane, manifest: ModelManifest) -> None:
    with pytest.raises(Unprocessable, match=r'^"inputs" must hold .*or one tensor per feature, named by it'):
        read(plane, [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [1]}])
    with pytest.raises(Unprocessable, match=r'^body must be a JSON object with an "inputs" list$'):
        read_feed(plane, [], b"", b"")


def test_a_tensor_of_the_wrong_shape_or_datatype_is_refused(plane: Plane, manifest: ModelManifest) -> None:
    if not manifest.features:
        pytest.skip("the model has no numeric feature")
    [tensor, *others] = oip_inputs(manifest, typical_rows(manifest, 2))
    width = len(manifest.features)
    with pytest.raises(
        Unprocessable, match=rf"^shape \[2, {width + 1}\] does not match \[rows >= 1, {width}\]$"
    ):
        read(plane, [{**tensor, "shape": [2, width + 1]}, *others])
    with pytest.raises(Unprocessable, match=r"^datatype 'BYTES' is not supported for 'input'; use FP32$"):
        read(plane, [{**tensor, "datatype": "BYTES"}, *others])
    with pytest.raises(Unprocessable, match=r'^"parameters" must be an object, not list$'):
        read(plane, [{**tensor, "parameters": []}, *others])


def test_columns_named_in_another_order_are_refused(plane: Plane, manifest: ModelManifest) -> None:
    if len(manifest.features) < 2:
        pytest.skip("the model has fewer than two numeric features")
    [tensor, *others] = oip_inputs(manifest, typical_rows(manifest))
    columns = list(reversed(manifest.feature_names))
    with pytest.raises(Unprocessable, match="this model reads"):
        read(plane, [{**tensor, "parameters": {"columns": columns}}, *others])
    same = read(plane, [{**tensor, "parameters": {"columns": manifest.feature_names}}, *others])
    assert same[ONNX_INPUT].shape == (1, len(manifest.features))


def test_a_value_that_is_not_a_number_names_its_place(plane: Plane, manifest: ModelManifest) -> None:
    if not manifest.features:
        pytest.skip("the model has no numeric feature")
    [tensor, *others] = oip_inputs(manifest, typical_rows(manifest))
    data = ["text", *tensor["data"][0][1:]]
    with pytest.raises(Unprocessable) as refused:
        read(plane, [{**tensor, "data": data}, *others])
    name = manifest.feature_names[0]
    assert str(refused.value).startswith(f'inputs["input"][0, 0] ({name}): expected')
