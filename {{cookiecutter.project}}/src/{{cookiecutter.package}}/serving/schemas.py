"""Request and response models, built from the manifest; used for the OpenAPI document only.

The routes read raw bytes for speed (see inputs.py), so these models describe the contract to
clients and to schemathesis without standing on the hot path.
"""

from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import models_json_schema

from ..manifest import ModelManifest

REF = "#/components/schemas/{model}"


class TensorInput(BaseModel):
    name: str = Field(description="Always `input` for this model")
    shape: list[int] = Field(description="[rows, features]")
    datatype: Literal["FP32", "FP64", "INT32", "INT64"]
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


class Error(BaseModel):
    error: str = Field(description="What is wrong with the request, or why the server cannot answer")


def predict_models(manifest: ModelManifest, max_rows: int) -> list[type[BaseModel]]:
    """Row, Rows, Prediction and Predictions for this model's features and task."""
    # Fields are named f0, f1, ... with the feature names as aliases: names need not be identifiers.
    fields: dict[str, Any] = {
        f"f{i}": (
            int if feature.dtype == "integer" else float,
            Field(alias=feature.name, description=_describe(manifest, i)),
        )
        for i, feature in enumerate(manifest.features)
    }
    row: Any = create_model("Row", __config__=ConfigDict(extra="forbid"), **fields)
    rows = create_model("Rows", rows=(list[row], Field(min_length=1, max_length=max_rows)))
    prediction: Any = _prediction_model(manifest)
    predictions = create_model("Predictions", predictions=(list[prediction], ...))
    return [row, rows, prediction, predictions]


def _prediction_model(manifest: ModelManifest) -> type[BaseModel]:
    if not manifest.classes:
        return create_model("Prediction", value=(float, Field(description=f"Predicted {manifest.target}")))
    fields: dict[str, Any] = {
        f"p{i}": (float, Field(alias=label, ge=0, le=1)) for i, label in enumerate(manifest.classes)
    }
    probabilities = create_model("Probabilities", **fields)
    label: Any = Literal[tuple(manifest.classes)]
    return create_model(
        "Prediction",
        label=(label, Field(description="The most probable class")),
        probabilities=(probabilities, Field(description="Probability of each class")),
    )


def _describe(manifest: ModelManifest, index: int) -> str:
    summary = manifest.features[index].summary
    return f"Training range {summary.min:.4g} to {summary.max:.4g}, mean {summary.mean:.4g}"


def body_schema(*names: str) -> dict[str, Any]:
    """An `openapi_extra` request body that accepts any of the named component schemas."""
    refs = [{"$ref": REF.format(model=name)} for name in names]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def add_components(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Put models that no route parameter mentions into the document's components."""
    _, document = models_json_schema([(model, "validation") for model in models], ref_template=REF)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {}).update(document.get("$defs", {}))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
