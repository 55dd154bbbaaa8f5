"""The OIP tensor datatypes: one table for reading, writing, describing and documenting tensors."""

import numpy as np

# Each datatype's numpy type as the binary extension lays it out (little-endian), and the name
# onnxruntime gives it. BYTES holds strings, which have no fixed width.
DATATYPES: dict[str, tuple[np.dtype, str]] = {
    "BOOL": (np.dtype("?"), "tensor(bool)"),
    "UINT8": (np.dtype("u1"), "tensor(uint8)"),
    "UINT16": (np.dtype("<u2"), "tensor(uint16)"),
    "UINT32": (np.dtype("<u4"), "tensor(uint32)"),
    "UINT64": (np.dtype("<u8"), "tensor(uint64)"),
    "INT8": (np.dtype("i1"), "tensor(int8)"),
    "INT16": (np.dtype("<i2"), "tensor(int16)"),
    "INT32": (np.dtype("<i4"), "tensor(int32)"),
    "INT64": (np.dtype("<i8"), "tensor(int64)"),
    "FP16": (np.dtype("<f2"), "tensor(float16)"),
    "FP32": (np.dtype("<f4"), "tensor(float)"),
    "FP64": (np.dtype("<f8"), "tensor(double)"),
    "BYTES": (np.dtype(object), "tensor(string)"),
}
# The model reads numbers, so an input may come in any numeric type; the server casts it to float32.
INPUT_DATATYPES = tuple(name for name, (dtype, _) in DATATYPES.items() if dtype.kind in "fiu")
_BY_DTYPE = {dtype: name for name, (dtype, _) in DATATYPES.items()}
_BY_ONNX_TYPE = {onnx_type: name for name, (_, onnx_type) in DATATYPES.items()}


def input_dtype(datatype: object) -> np.dtype | None:
    """The numpy type of an input tensor's datatype, or None when the server does not read it (BOOL only
    a feature that held booleans in training takes; the value check refuses it elsewhere)."""
    if not isinstance(datatype, str) or datatype not in (*INPUT_DATATYPES, "BOOL"):
        return None
    return DATATYPES[datatype][0]


def fits(values: np.ndarray, datatype: str) -> bool:
    """Whether JSON numbers fit the datatype a request declares: whole and within range for integers."""
    dtype = DATATYPES[datatype][0]
    if dtype.kind == "b":
        # JSON true, false and null (missing), which the value check reads; numbers are no BOOL.
        return values.dtype.kind == "b" or all(
            value is None or isinstance(value, bool) for value in values.flat
        )
    if values.dtype.kind not in "fiu":
        return True  # not numbers at all: the value check refuses them with its own message
    if dtype.kind == "f":
        # NaN is a missing value in any float type; a number past the type's range becomes infinity.
        with np.errstate(over="ignore"):
            return not bool(np.isinf(values.astype(dtype)).any())
    limits = np.iinfo(dtype)
    whole = values.dtype.kind != "f" or bool((values == np.floor(values)).all())
    if values.dtype.kind == "f" and dtype.kind in "iu":
        # A float64 holds 2**63 as int64's maximum rounded up: compare below the bound, exactly.
        return whole and limits.min <= values.min() and values.max() < float(limits.max) + 1
    return whole and limits.min <= values.min() and values.max() <= limits.max


def datatype_of(values: np.ndarray) -> str:
    """The datatype of an output array; strings and anything else without a fixed width are BYTES."""
    return _BY_DTYPE.get(values.dtype.newbyteorder("<"), "BYTES")


def datatype_of_onnx(onnx_type: str) -> str:
    """The datatype of a model's input or output as onnxruntime names its type, for its metadata."""
    return _BY_ONNX_TYPE.get(onnx_type, "BYTES")
