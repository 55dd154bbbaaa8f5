"""The OIP v2 inference request and response, as the OpenAPI document shows them."""

from typing import Any

from pydantic import BaseModel, Field

from .datatypes import INPUT_DATATYPES


class TensorInput(BaseModel):
    name: str = Field(
        description="`input`: the numeric features, null for a missing value; `categorical`: the "
        "categorical features as strings, null for a missing value (see GET /v2/models/{name})"
    )
    shape: list[int] = Field(description="[rows, features of that kind]")
    datatype: str = Field(
        description="`input`: any numeric type, cast to float32; `categorical`: BYTES",
        json_schema_extra={"enum": [*INPUT_DATATYPES, "BYTES"]},
    )
    data: list[Any] = Field(description="Row-major values, flat or nested")
    parameters: dict[str, Any] | None = None


class RequestedOutput(BaseModel):
    name: str
    parameters: dict[str, Any] | None = None


class InferenceRequest(BaseModel):
    id: str | None = None
    inputs: list[TensorInput] = Field(
        min_length=1, max_length=2, description="One tensor per kind of feature the model has"
    )
    outputs: list[RequestedOutput] | None = Field(None, description="Outputs to return; all when absent")
    parameters: dict[str, Any] | None = None


class TensorOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[Any]


class InferenceResponse(BaseModel):
    model_name: str
    model_version: str
    id: str | None = None
    outputs: list[TensorOutput]
