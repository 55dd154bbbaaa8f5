"""One input tensor per feature, in any order, reads as the model's own tensors would; a tensor of
another shape or datatype, or of another number of rows, is refused naming its feature."""

from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.http.bodies import Unprocessable
from {{ cookiecutter.package }}.serving.http.responses import ApiError
from {{ cookiecutter.package }}.serving.oip.feed import read_feed
from {{ cookiecutter.package }}.serving.plane import Plane

from ...rows import Row, as_feed, typical_rows


def per_feature(manifest: ModelManifest, rows: list[Row]) -> list[dict[str, Any]]:
    """One tensor a feature, named by it, in reverse manifest order."""
    numeric = set(manifest.feature_names)
    return [
        {
            "name": name,
            "shape": [len(rows)],
            "datatype": "FP64" if name in numeric else "BYTES",
            "data": [row[name] for row in rows],
        }
        for name in reversed(list(rows[0]))
    ]


def read(plane: Plane, inputs: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    return read_feed(plane, {"inputs": inputs}, b"", b"")


def test_tensors_per_feature_in_any_order_make_the_models_feed(plane: Plane, manifest: ModelManifest) -> None:
    rows = typical_rows(manifest, 3)
    feed = read(plane, per_feature(manifest, rows))
    expected = as_feed(manifest, rows)
    assert feed.keys() == expected.keys()
    for name, values in expected.items():
        np.testing.assert_array_equal(feed[name], values)


def test_a_feature_tensor_of_another_shape_or_datatype_is_refused(
    plane: Plane, manifest: ModelManifest
) -> None:
    if not manifest.features:
        pytest.skip("the model has no numeric feature")
    tensors = per_feature(manifest, typical_rows(manifest, 2))
    index = next(i for i, tensor in enumerate(tensors) if tensor["name"] in manifest.feature_names)
    name = tensors[index]["name"]
    wide = [*tensors[:index], {**tensors[index], "shape": [1, 2]}, *tensors[index + 1 :]]
    with pytest.raises(
        Unprocessable, match=rf'^inputs\["{name}"\]: shape \[1, 2\] must be \[rows\] or \[rows, 1\]'
    ):
        read(plane, wide)
    text = [*tensors[:index], {**tensors[index], "datatype": "BYTES"}, *tensors[index + 1 :]]
    with pytest.raises(Unprocessable, match=rf'^inputs\["{name}"\]: datatype \'BYTES\' is not supported'):
        read(plane, text)


def test_features_of_different_row_counts_are_refused(plane: Plane, manifest: ModelManifest) -> None:
    if len(manifest.features) + len(manifest.categorical) < 2:
        pytest.skip("the model has a single feature")
    tensors = per_feature(manifest, typical_rows(manifest, 2))
    first = tensors[0]
    short = {**first, "shape": [1], "data": first["data"][:1]}
    with pytest.raises(Unprocessable, match=r"^the inputs hold different numbers of rows: \[1, 2\]$"):
        read(plane, [short, *tensors[1:]])


def test_a_feature_tensor_over_the_row_limit_is_too_large(plane: Plane, manifest: ModelManifest) -> None:
    tensors = per_feature(manifest, typical_rows(manifest, 5))
    with pytest.raises(ApiError) as refused:
        read(plane, tensors)
    assert refused.value.status == 413
