"""The binary tensor extension of OIP v2 REST: raw little-endian tensor bytes after the JSON header.

Triton's and KServe's clients use it by default; JSON alone stays the portable form.
"""

import re
import struct
from typing import Any

import numpy as np

from ..http.bodies import Unprocessable
from ..http.responses import ApiError, Reply, json_reply
from .datatypes import input_dtype

HEADER = "inference-header-content-length"


# A byte count of at most 12 ASCII digits: str.isdigit() also accepts "²", which int() refuses.
_BYTE_COUNT = re.compile(r"[0-9]{1,12}")


def split_body(body: bytes, header_length: str) -> tuple[bytes, bytes]:
    """The JSON header and the binary part, as the Inference-Header-Content-Length header divides them."""
    if not _BYTE_COUNT.fullmatch(header_length) or int(header_length) > len(body):
        shown = header_length if len(header_length) <= 20 else f"{header_length[:20]}..."
        raise ApiError(400, f"{HEADER} is {shown!r}; it must be a byte count within the body")
    return body[: int(header_length)], body[int(header_length) :]


def read_binary_input(tensor: dict[str, Any], binary: bytes) -> tuple[np.ndarray, bytes]:
    """The values of an input sent as raw bytes (parameters.binary_data_size), as a flat array, and the
    bytes after them, which belong to the next binary input in request order."""
    size = tensor["parameters"].get("binary_data_size")
    datatype = tensor.get("datatype")
    dtype = input_dtype(datatype)
    if dtype is None and datatype != "BYTES":
        raise Unprocessable(f"datatype {datatype!r} is not supported; use FP32")
    itemsize = 1 if dtype is None else dtype.itemsize
    if type(size) is not int or not 0 <= size <= len(binary) or size % itemsize:
        raise Unprocessable(
            f"binary_data_size {size!r} does not match the {len(binary)} bytes after the header"
        )
    part, rest = binary[:size], binary[size:]
    values = _strings(part) if dtype is None else np.frombuffer(part, dtype=dtype)
    return values, rest


def _strings(part: bytes) -> np.ndarray:
    """BYTES elements: each a 4-byte little-endian length, then that many bytes of UTF-8."""
    items: list[str] = []
    offset = 0
    while offset < len(part):
        if offset + 4 > len(part):
            raise Unprocessable("BYTES data ends inside an element's 4-byte length")
        (length,) = struct.unpack_from("<I", part, offset)
        start, offset = offset + 4, offset + 4 + length
        if offset > len(part):
            raise Unprocessable(f"a BYTES element of {length} bytes runs past the end of its data")
        try:
            items.append(part[start:offset].decode())
        except UnicodeDecodeError:
            raise Unprocessable(f"BYTES element {len(items)} is not UTF-8 text") from None
    values = np.empty(len(items), dtype=object)
    values[:] = items
    return values


def wants_binary(document: dict[str, Any], name: str) -> bool:
    """Whether a request that read_tensor accepted asks for this output as raw bytes."""
    for output in document["outputs"] or []:
        if output["name"] == name:
            return bool(output["parameters"].get("binary_data"))
    return bool(document["parameters"].get("binary_data_output"))


def raw_bytes(values: np.ndarray) -> bytes:
    """Tensor bytes as the extension lays them out; strings get a 4-byte little-endian length each."""
    if values.dtype.kind in "fiub":
        return values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes()
    encoded = [str(value).encode() for value in values.ravel()]
    return b"".join(struct.pack("<I", len(item)) + item for item in encoded)


def join(
    response: dict[str, Any], parts: list[bytes], headers: tuple[tuple[bytes, bytes], ...] = ()
) -> Reply:
    """The JSON header followed by the raw tensor bytes, with the header's length."""
    header = json_reply(response).body
    return Reply(header + b"".join(parts), len(header), headers)
