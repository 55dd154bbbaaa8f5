"""The OIP v2 inference request and response, as the OpenAPI document shows them."""

from typing import Any

from pydantic import BaseModel, Field

from .datatypes import INPUT_DATATYPES


class TensorInput(BaseModel):
    name: str = Field(description="Always `input` for this model")
    shape: list[int] = Field(description="[rows, features]")
    datatype: str = Field(
        description="Any numeric type; values are cast to float32",
        json_schema_extra={"enum": list(INPUT_DATATYPES)},
    )
    data: list[Any] = Field(description="Row-major values, flat or nested")
    parameters: dict[str, Any] | None = None


class RequestedOutput(BaseModel):
    name: str
    parameters: dict[str, Any] | None = None


class InferenceRequest(BaseModel):
    id: str | None = None
    inputs: list[TensorInput] = Field(min_length=1, max_length=1)
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
