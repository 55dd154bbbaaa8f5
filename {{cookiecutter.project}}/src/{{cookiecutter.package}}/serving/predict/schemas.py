"""The /predict models, built from the manifest: each feature a typed field, each class a probability."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...manifest import ModelManifest


def predict_models(manifest: ModelManifest, max_rows: int) -> list[type[BaseModel]]:
    """Row, Rows, Prediction and Predictions for this model's features and task."""
    # Fields are named f0, f1, ... with the feature names as aliases: names need not be identifiers.
    # Every field is required, and null stands for a missing value.
    fields: dict[str, Any] = {
        f"f{i}": (
            (int if feature.dtype == "integer" else float) | None,
            Field(alias=feature.name, description=_describe(manifest, i)),
        )
        for i, feature in enumerate(manifest.features)
    }
    for i, feature in enumerate(manifest.categorical, start=len(fields)):
        # The known categories as an enum beside any string: an unseen category is accepted too.
        known: Any = Literal[tuple(feature.categories)] if feature.categories else str
        shares = ", ".join(
            f"{category} {round(100 * share)}%"
            for category, share in zip(feature.categories, feature.shares, strict=True)
        )
        description = f"A category; training saw {shares}. Others are accepted as unseen; null is missing."
        fields[f"f{i}"] = (known | str | None, Field(alias=feature.name, description=description))
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
    return f"Training range {summary.min:.4g} to {summary.max:.4g}, mean {summary.mean:.4g}; null is missing"
