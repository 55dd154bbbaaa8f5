"""The /v1/outcomes models for the OpenAPI document: the routes read raw bytes (reading.py), so these
describe the contract to clients and schemathesis without standing in the request's way."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...outcomes.record import MAX_OUTCOMES
from ..http.responses import JSON

_ID = Field(min_length=56, max_length=56, description="The prediction's id (X-Prediction-Id, prediction_ids)")
EXAMPLE_ID = "AQEAASNFZ4mrAGtJ0gA_wV0oAAAAAAAAAAFHPFm1bAK425ADOpA3W4OT"


class LabelOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prediction_id: str = _ID
    label: str | int | bool = Field(
        description="The true class, as /predict names it (or the number or boolean it spells)"
    )


class ValueOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prediction_id: str = _ID
    value: float = Field(description="The true value of a regressor's target")


class BusinessOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prediction_id: str = _ID
    business: float = Field(ge=0, description="A number to sum per version, such as 1 for a conversion")


Outcome = LabelOutcome | ValueOutcome | BusinessOutcome


class Outcomes(BaseModel):
    outcomes: list[Outcome] = Field(min_length=1, max_length=MAX_OUTCOMES)


class OutcomeResult(BaseModel):
    status: Literal["accepted", "refused"]
    reason: str | None = Field(None, description="Why it was refused (the rejection counter's label)")
    detail: str | None = Field(None, description="What is wrong, for a person")


class OutcomeResults(BaseModel):
    accepted: int
    refused: int
    results: list[OutcomeResult] = Field(description="One per outcome sent, in order")
    error: str | None = Field(None, description="When any was refused: how many, and why")


MODELS: list[type[BaseModel]] = [LabelOutcome, ValueOutcome, BusinessOutcome, Outcomes, OutcomeResults]


def request_body() -> dict[str, Any]:
    """The `openapi_extra` of the route: one outcome or a batch, with an example of each kind."""
    refs = [{"$ref": f"#/components/schemas/{model.__name__}"} for model in MODELS[:4]]
    one = {"prediction_id": EXAMPLE_ID}
    examples = {
        "label": {"summary": "A classifier's true class", "value": {**one, "label": "benign"}},
        "value": {"summary": "A regressor's true value", "value": {**one, "value": 151.0}},
        "business": {"summary": "A conversion", "value": {**one, "business": 1}},
        "batch": {
            "summary": f"A batch of up to {MAX_OUTCOMES}",
            "value": {"outcomes": [{**one, "label": "benign"}, {**one, "business": 1}]},
        },
    }
    content = {JSON: {"schema": {"oneOf": refs}, "examples": examples}}
    return {"requestBody": {"required": True, "content": content}}
