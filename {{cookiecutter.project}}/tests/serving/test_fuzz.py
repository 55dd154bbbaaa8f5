"""Property-based fuzzing of what parses client bytes: whatever arrives, the answer is a reply or a 4xx.

Each request starts valid and then has up to three of its parts replaced by anything JSON can
hold, so that the examples reach every check down to the model. The handlers are called in
process, as the fast lane calls them. In CI the examples are derandomised, so a run fails only on
a real change; locally each run explores new inputs.
"""

import json
import os
import shutil
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.serving.http.responses import ApiError, Handler
from {{ cookiecutter.package }}.serving.oip.binary import HEADER
from {{ cookiecutter.package }}.serving.oip.datatypes import DATATYPES, INPUT_DATATYPES
from {{ cookiecutter.package }}.serving.oip.routes import infer_handler
from {{ cookiecutter.package }}.serving.plane import Plane
from {{ cookiecutter.package }}.serving.predict.routes import predict_handler
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ..rows import integer_coded

# `make test` draws EXAMPLES a test; HYPOTHESIS_PROFILE=fuzz-long (`make fuzz`) draws 30 times as many.
# Each test builds only the kind of body it draws, so an example costs a third of what it did when all
# were built: against injected defects of the kinds these tests were written for (a 500 from a header,
# a parameter, an output, a size or a row of the wrong type, an empty batch), 100 examples found each
# about as often as 300 did then; 150 keeps a margin.
EXAMPLES = 150
settings.register_profile(
    "fuzz", max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") == "true", database=None
)
settings.register_profile("fuzz-long", max_examples=30 * EXAMPLES, deadline=None, database=None)
FUZZ = settings.get_profile("fuzz-long" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-long" else "fuzz")
MAX_ROWS = 4

# Words the readers look for, so that generated text hits them often.
TEXT = st.text(max_size=8) | st.sampled_from(["input", "label", "binary_data_size", "binary_data"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | TEXT
    | st.sampled_from([0, -1, MAX_ROWS + 1, 2**63, -(2**63) - 1, 1e308, 3.5e38, "²", "1" * 5000])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
VALUES = st.floats(-1e3, 1e3) | st.integers(-100, 100)

Path_ = tuple[str | int, ...]
TENSOR_PARTS: list[Path_] = [("name",), ("datatype",), ("shape",), ("shape", 0), ("data",), ("data", 0)]
REQUEST_PARTS: list[Path_] = [
    ("inputs",),
    ("inputs", 0),
    *[("inputs", 0, *part) for part in [*TENSOR_PARTS, ("parameters",), ("parameters", "binary_data_size")]],
    ("inputs", 1),
    *[("inputs", 1, *part) for part in [*TENSOR_PARTS, ("parameters", "binary_data_size")]],
    ("id",),
    ("outputs",),
    ("outputs", 0),
    ("outputs", 0, "name"),
    ("outputs", 0, "parameters"),
    ("parameters",),
    ("parameters", "binary_data_output"),
]


class Target(NamedTuple):
    """The handlers under test, lenient and strict about unseen categories, and what requests need to
    reach the model (a short repr on failure)."""

    infer: Handler
    predict: Handler
    strict_infer: Handler
    strict_predict: Handler
    model: str
    features: list[str]
    # Each categorical feature's known categories, in the `categorical` tensor's column order.
    categories: dict[str, list[str]]


@pytest.fixture(scope="module")
def target(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    """The project's model, its category columns declared integer-coded: the spelling rules of codes
    then meet every value drawn (a text category stays text there, so the model still answers)."""
    model_dir = Path(shutil.copytree(artifacts_dir, tmp_path_factory.mktemp("fuzz") / "model"))
    integer_coded(model_dir)
    planes = [
        Plane.load(
            ServerSettings(model_dir=model_dir, workers=1, max_batch_rows=MAX_ROWS, strict_categories=strict)
        )
        for strict in (False, True)
    ]
    manifest = read_manifest(model_dir)
    categories = {feature.name: feature.categories for feature in manifest.categorical}
    lenient, strict = planes
    return Target(
        infer_handler(lenient),
        predict_handler(lenient),
        infer_handler(strict),
        predict_handler(strict),
        manifest.name,
        manifest.feature_names,
        categories,
    )


# Integer codes as clients write them, and the values that attack their spelling rules.
CODES = (
    st.integers()
    | st.floats()
    | st.integers(-(2**63), 2**63).map(str)
    | st.floats(allow_nan=False).map(repr)
    | st.sampled_from(
        ["2.0", "2.0000000000000001", "-0", "+02", "1e300", "1e999999", "1_0", "٢", "NaN", "inf"]
    )
    | st.booleans()
)


def category(known: list[str]) -> st.SearchStrategy[Any]:
    """A category as clients send them: a known one, any text (unseen), a code in any spelling, or null."""
    return (st.sampled_from(known) if known else st.nothing()) | TEXT | CODES | st.none()


def strings_tensor(
    draw: st.DrawFn, rows: int, categories: dict[str, list[str]], binary: bool
) -> tuple[dict[str, Any], bytes]:
    """The `categorical` tensor, as JSON data or as length-prefixed UTF-8 after the header."""
    values = [draw(category(known)) for _ in range(rows) for known in categories.values()]
    tensor: dict[str, Any] = {"name": "categorical", "datatype": "BYTES", "shape": [rows, len(categories)]}
    if not binary:
        tensor["data"] = values
        return tensor, b""
    encoded = [("" if value is None else str(value)).encode() for value in values]
    tail = b"".join(struct.pack("<I", len(item)) + item for item in encoded)
    tensor["parameters"] = {"binary_data_size": len(tail)}
    return tensor, tail


def status_of(handler: Handler, body: bytes, headers: dict[str, str], params: dict[str, str]) -> int:
    """The status the fast lane would send; any exception other than ApiError fails the test."""
    try:
        content = handler(body, headers, params).body
    except ApiError as error:
        return error.status
    assert isinstance(content, bytes)
    return 200


def encode(document: Any) -> bytes:
    # The standard library writes what orjson refuses to (integers past 64 bits, NaN), as clients may.
    return json.dumps(document).encode()


def holds(node: Any, key: str | int) -> bool:
    """Whether node has a place called key: a dict key, or a list index within its length."""
    if isinstance(node, dict):
        return isinstance(key, str)
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


def replace(document: Any, path: Path_, value: Any) -> None:
    """Put value at path when the containers on the way exist; otherwise leave the document alone."""
    *parents, last = path
    node = document
    for key in parents:
        if not holds(node, key) or (isinstance(node, dict) and key not in node):
            return
        node = node[key]
    if holds(node, last):
        node[last] = value


def mutate(draw: Any, document: Any, parts: Sequence[Path_]) -> Any:
    """The document with up to three of its parts replaced by any JSON value."""
    for _ in range(draw(st.integers(0, 3))):
        replace(document, draw(st.sampled_from(parts)), draw(JSON))
    return document


@st.composite
def inference_requests(
    draw: st.DrawFn, width: int, categories: dict[str, list[str]], binary: bool = False
) -> tuple[dict[str, Any], bytes]:
    """A request (and its binary tail) that would be served, before mutate() damages it."""
    rows = draw(st.integers(1, MAX_ROWS))
    datatype = draw(st.sampled_from(INPUT_DATATYPES))
    values = draw(st.lists(st.integers(0, 100), min_size=rows * width, max_size=rows * width))
    tensor: dict[str, Any] = {"name": "input", "datatype": datatype, "shape": [rows, width]}
    tail = b""
    if binary:
        tail = np.array(values).astype(DATATYPES[datatype][0]).tobytes()
        tensor["parameters"] = {"binary_data_size": len(tail)}
    else:
        tensor["data"] = draw(st.lists(VALUES, min_size=rows * width, max_size=rows * width))
    request: dict[str, Any] = {"inputs": [tensor], "id": draw(TEXT)}
    if categories:
        strings, more = strings_tensor(draw, rows, categories, binary)
        request["inputs"].append(strings)
        tail += more
    output = st.fixed_dictionaries(
        {"name": st.sampled_from(["label", "probabilities", "variable"])},
        optional={"parameters": st.fixed_dictionaries({"binary_data": st.booleans()})},
    )
    if draw(st.booleans()):
        request["outputs"] = draw(st.lists(output, min_size=1, max_size=2))
    if draw(st.booleans()):
        request["parameters"] = {"binary_data_output": draw(st.booleans())}
    return mutate(draw, request, REQUEST_PARTS), tail


@st.composite
def per_feature_requests(draw: st.DrawFn, target: Target) -> dict[str, Any]:
    """One tensor per feature, named by it, in any order (numbers, or categories in any spelling)."""
    rows = draw(st.integers(1, MAX_ROWS))
    shape = draw(st.sampled_from([[rows], [rows, 1]]))
    tensors = [
        {
            "name": name,
            "datatype": draw(st.sampled_from(INPUT_DATATYPES)),
            "shape": shape,
            "data": draw(st.lists(VALUES, min_size=rows, max_size=rows)),
        }
        for name in target.features
    ]
    tensors += [
        {
            "name": name,
            "datatype": draw(st.sampled_from(["BYTES", "INT64", "FP32"])),
            "shape": shape,
            "data": draw(st.lists(category(known), min_size=rows, max_size=rows)),
        }
        for name, known in target.categories.items()
    ]
    request: dict[str, Any] = {"inputs": draw(st.permutations(tensors))}
    parts: list[Path_] = [("inputs", index, *part) for index in range(len(tensors)) for part in TENSOR_PARTS]
    mutate(draw, request, parts)
    return request


def json_bodies(target: Target) -> st.SearchStrategy[bytes]:
    """A JSON inference body: one tensor for all features, one per feature, any JSON or any bytes. Only
    the kind drawn is built: the others would cost as much and be thrown away."""
    tensors = inference_requests(len(target.features), target.categories).map(lambda drawn: encode(drawn[0]))
    return tensors | per_feature_requests(target).map(encode) | JSON.map(encode) | st.binary(max_size=64)


def prediction_rows(target: Target) -> st.SearchStrategy[dict[str, Any]]:
    numbers = {name: VALUES | st.none() for name in target.features}
    categories = {name: category(known) for name, known in target.categories.items()}
    return st.fixed_dictionaries(numbers | categories)


@st.composite
def prediction_bodies(draw: st.DrawFn, target: Target) -> bytes:
    """A /predict body: one row or a batch, each with up to three parts damaged; any JSON or any bytes."""
    names = [*target.features, *target.categories]
    kind = draw(st.sampled_from(["row", "batch", "json", "bytes"]))
    if kind == "row":
        row = draw(prediction_rows(target))
        return encode(mutate(draw, row, [(name,) for name in names] + [("extra",)]))
    if kind == "batch":
        rows = draw(st.lists(prediction_rows(target), min_size=1, max_size=MAX_ROWS))
        parts: list[Path_] = [("rows",), ("rows", 0), *[("rows", 0, name) for name in names]]
        return encode(mutate(draw, {"rows": rows}, [*parts, ("rows", 0, "x")]))
    return draw(JSON.map(encode) if kind == "json" else st.binary(max_size=64))


@given(data=st.data())
@FUZZ
def test_no_json_inference_request_gets_a_server_error(target: Target, data: st.DataObject) -> None:
    body = data.draw(json_bodies(target))
    headers = {"content-type": "application/json"}
    infer = data.draw(st.sampled_from([target.infer, target.strict_infer]))
    assert status_of(infer, body, headers, {"name": target.model}) < 500


@given(data=st.data())
@FUZZ
def test_no_binary_inference_request_gets_a_server_error(target: Target, data: st.DataObject) -> None:
    request, tail = data.draw(inference_requests(len(target.features), target.categories, binary=True))
    header = encode(request)
    tail = data.draw(st.just(tail) | st.binary(max_size=64))
    # Header values reach the handler decoded as latin-1: any of the 256 byte values.
    length = data.draw(
        st.just(str(len(header)))
        | st.integers(-5, 10**40).map(str)
        | st.text(st.characters(max_codepoint=255), max_size=30)
        | st.sampled_from(["²", "1²", "1" * 4400, " 12", "+12", "1_0", "0x10"])
    )
    infer = data.draw(st.sampled_from([target.infer, target.strict_infer]))
    assert status_of(infer, header + tail, {HEADER: length}, {"name": target.model}) < 500


@given(data=st.data())
@FUZZ
def test_no_prediction_request_gets_a_server_error(target: Target, data: st.DataObject) -> None:
    body = data.draw(prediction_bodies(target))
    predict = data.draw(st.sampled_from([target.predict, target.strict_predict]))
    assert status_of(predict, body, {"content-type": "application/json"}, {}) < 500
