"""The OIP v2 inference request and response, as the OpenAPI document shows them."""

from typing import Any

from pydantic import BaseModel, Field

from ..ids import PredictionIds
from .datatypes import INPUT_DATATYPES


class TensorInput(BaseModel):
    name: str = Field(
        description="`input`: the numeric features, null for a missing value; `categorical`: the "
        "categorical features as strings, null for a missing value, each with its columns in the order "
        "GET /v2/models/{name} lists as parameters.columns. Or a feature's name, for one tensor per feature"
    )
    shape: list[int] = Field(description="[rows, features of that kind]; [rows] or [rows, 1] for one feature")
    datatype: str = Field(
        description="Numbers: any numeric type, cast to float32 (BOOL for one feature that held booleans);"
        " categories: BYTES, or numbers for one feature of integer codes",
        json_schema_extra={"enum": [*INPUT_DATATYPES, "BOOL", "BYTES"]},
    )
    data: list[Any] = Field(description="Row-major values, flat or nested")
    parameters: dict[str, Any] | None = Field(
        None, description="binary_data_size for the binary extension; columns, to have the order checked"
    )


class RequestedOutput(BaseModel):
    name: str
    parameters: dict[str, Any] | None = None


class InferenceRequest(BaseModel):
    id: str | None = None
    inputs: list[TensorInput] = Field(
        min_length=1,
        description="The tensors `input` and `categorical` (those the model has), or one per feature",
    )
    outputs: list[RequestedOutput] | None = Field(None, description="Outputs to return; all when absent")
    parameters: dict[str, Any] | None = None


class TensorOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[Any]


class ResponseParameters(BaseModel):
    prediction_ids: PredictionIds


class InferenceResponse(BaseModel):
    model_name: str
    model_version: str
    id: str | None = Field(None, description="The request's id, as it sent it")
    parameters: ResponseParameters
    outputs: list[TensorOutput]
