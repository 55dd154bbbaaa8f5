"""The /predict models, built from the manifest: each feature a typed field, each class a probability."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...manifest import CategoricalFeature, ModelManifest
from ..ids import PredictionIds


def predict_models(manifest: ModelManifest, max_rows: int) -> list[type[BaseModel]]:
    """Row, Rows, Prediction (a row's), Answer (one row's, with its id) and Predictions for this model."""
    # Fields are named f0, f1, ... with the feature names as aliases: names need not be identifiers.
    # Every field is required, and null stands for a missing value. A number is any number float32
    # holds, whatever the type its column held in training (which the description gives); a column
    # of booleans also takes true and false.
    fields: dict[str, Any] = {
        f"f{i}": (
            (bool | float | None) if feature.dtype == "boolean" else (float | None),
            Field(alias=feature.name, description=_describe(manifest, i)),
        )
        for i, feature in enumerate(manifest.features)
    }
    for i, feature in enumerate(manifest.categorical, start=len(fields)):
        # The known categories as an enum beside any string: an unseen category is accepted too.
        known: Any = Literal[tuple(feature.categories)] if feature.categories else str
        codes: Any = {"integer": int, "float": float, "boolean": bool}.get(feature.dtype, str)
        fields[f"f{i}"] = (
            known | str | codes | None,
            Field(alias=feature.name, description=_category(feature)),
        )
    row: Any = create_model("Row", __config__=ConfigDict(extra="forbid"), **fields)
    rows = create_model("Rows", rows=(list[row], Field(min_length=1, max_length=max_rows)))
    prediction: Any = _prediction_model(manifest)
    answer = create_model("Answer", __base__=prediction, prediction_ids=(PredictionIds, ...))
    predictions = create_model(
        "Predictions", predictions=(list[prediction], ...), prediction_ids=(PredictionIds, ...)
    )
    return [row, rows, prediction, answer, predictions]


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
    feature = manifest.features[index]
    summary = feature.summary
    if feature.dtype == "boolean":
        return (
            f"Training held booleans, true in {round(100 * summary.mean)}% of rows; true and false (or 1"
            " and 0) are accepted, and null is missing"
        )
    held = "whole numbers" if feature.dtype == "integer" else "numbers"
    return (
        f"Training held {held} from {summary.min:.4g} to {summary.max:.4g}, mean {summary.mean:.4g}; any"
        " number float32 holds is accepted, and null is missing"
    )


# How each type of category column takes its values, after the list of known categories.
SPELLINGS = {
    "string": "Others are accepted as unseen",
    "integer": 'Integer codes: 2, 2.0, "2" and "2.0" are the category "2"; others are accepted as unseen',
    "float": 'Numbers: 2.5 and "2.5" are the category "2.5"; others are accepted as unseen',
    "boolean": 'true and "True" are the category "True"; others are accepted as unseen',
}


def _category(feature: CategoricalFeature) -> str:
    shares = ", ".join(
        f"{category} {round(100 * share)}%"
        for category, share in zip(feature.categories, feature.shares, strict=True)
    )
    return (
        f"A category; training saw {shares}. {SPELLINGS[feature.dtype]} (refused with APP_STRICT_CATEGORIES);"
        " null is missing."
    )
