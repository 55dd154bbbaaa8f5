"""The binary tensor extension: raw tensor bytes both ways, and clear refusals of bad framing."""

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest

from ...rows import as_feed, categorical_inputs, onnx_outputs, typical_rows


def raw_tensor(values: np.ndarray) -> bytes:
    """Tensor bytes as the extension lays them out: little-endian numbers, or length-prefixed UTF-8."""
    if values.dtype.kind == "f":
        return values.astype("<f4").tobytes()
    encoded = [str(value).encode() for value in values.ravel()]
    return b"".join(struct.pack("<I", len(item)) + item for item in encoded)


def test_binary_tensor_extension_round_trips(
    client: TestClient, manifest: ModelManifest, artifacts_dir: Path, infer_path: str
) -> None:
    feed = as_feed(manifest, typical_rows(manifest, 2))
    inputs, raw = [], b""
    for name, values in feed.items():
        part = raw_tensor(values)
        datatype = "FP32" if name == "input" else "BYTES"
        parameters = {"binary_data_size": len(part)}
        inputs.append(
            {"name": name, "shape": list(values.shape), "datatype": datatype, "parameters": parameters}
        )
        raw += part
    header = json.dumps({"inputs": inputs, "parameters": {"binary_data_output": True}}).encode()
    response = client.post(
        infer_path,
        content=header + raw,
        headers={"Inference-Header-Content-Length": str(len(header))},
    )
    assert response.status_code == 200, response.text
    json_length = int(response.headers["inference-header-content-length"])
    body = json.loads(response.content[:json_length])
    offset = json_length
    expected = onnx_outputs(artifacts_dir, feed)
    for output in body["outputs"]:
        size = output["parameters"]["binary_data_size"]
        reference = expected[output["name"]]
        got = np.frombuffer(response.content[offset : offset + size], dtype=reference.dtype.newbyteorder("<"))
        np.testing.assert_allclose(got.reshape(reference.shape), reference, rtol=1e-6)
        offset += size


@pytest.mark.parametrize(
    ("header_length", "size", "words"),
    [
        (b"x", 8, "byte count"),
        (b"10000", 8, "byte count"),
        (b"\xb2", 8, "byte count"),
        (b"1" * 4400, 8, "byte count"),
        (None, 7, "does not match"),
    ],
    ids=["header=x", "header=beyond-body", "header=superscript-two", "header=4400-digits", "size=mismatch"],
)
def test_bad_binary_requests_are_refused(
    client: TestClient,
    manifest: ModelManifest,
    infer_path: str,
    header_length: bytes | None,
    size: int,
    words: str,
) -> None:
    tensor = {"name": "input", "shape": [1, len(manifest.features)], "datatype": "FP32"}
    inputs = [{**tensor, "parameters": {"binary_data_size": size}}, *categorical_inputs(manifest)]
    header = json.dumps({"inputs": inputs}).encode()
    raw = b"\0" * 4 * len(manifest.features)
    length = header_length or str(len(header)).encode()
    response = client.post(
        infer_path,
        content=header + raw,
        headers={"Inference-Header-Content-Length": length},
    )
    assert response.status_code == 400
    assert words in response.json()["error"]
