"""The /predict models built from the manifest: a row is one required field per feature and nothing
else, a batch holds at most the row limit, a prediction carries the model's classes or its value, and
every answer its rows' ids."""

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.predict.schemas import predict_models

from ...rows import typical_rows


def test_a_row_takes_every_feature_by_name_and_nothing_else(manifest: ModelManifest) -> None:
    row, *_ = predict_models(manifest, max_rows=5)
    schema = row.model_json_schema(by_alias=True)
    names = [*manifest.feature_names, *(feature.name for feature in manifest.categorical)]
    assert schema["required"] == names
    assert schema["additionalProperties"] is False
    typical = typical_rows(manifest)[0]
    row.model_validate(typical)
    row.model_validate({**typical, names[0]: None})  # null is a missing value
    with pytest.raises(ValidationError):
        row.model_validate({**typical, "unknown": 1})


def test_a_batch_holds_one_row_up_to_the_limit(manifest: ModelManifest) -> None:
    _, rows, *_ = predict_models(manifest, max_rows=5)
    rows.model_validate({"rows": typical_rows(manifest, 5)})
    for count in (0, 6):
        with pytest.raises(ValidationError):
            rows.model_validate({"rows": typical_rows(manifest, count) if count else []})


def test_a_prediction_carries_the_classes_or_the_value(manifest: ModelManifest) -> None:
    _, _, prediction, *_ = predict_models(manifest, max_rows=5)
    schema = prediction.model_json_schema(by_alias=True)
    if not manifest.classes:
        assert list(schema["properties"]) == ["value"]
        return
    assert list(schema["properties"]) == ["label", "probabilities"]
    assert schema["properties"]["label"]["enum"] == manifest.classes
    probabilities = schema["$defs"]["Probabilities"]["properties"]
    assert list(probabilities) == manifest.classes


def test_every_answer_carries_an_id_per_row(manifest: ModelManifest) -> None:
    *_, answer, predictions = predict_models(manifest, max_rows=5)
    for model in (answer, predictions):
        schema = model.model_json_schema(by_alias=True)
        assert "prediction_ids" in schema["required"]
        assert schema["properties"]["prediction_ids"]["items"]["pattern"] == "^[A-Za-z0-9_-]{56}$"
