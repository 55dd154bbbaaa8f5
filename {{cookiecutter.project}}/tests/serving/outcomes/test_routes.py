"""POST /v1/outcomes: outcomes counted for the version their ids name; each refused one answered with its
reason and counted only as a rejection."""

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.outcomes.ids import IdKeys, SigningKey
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ...rows import typical_rows
from .conftest import SETTINGS, Predicted, counted, sample

PATH = "/v1/outcomes"


def post(client: TestClient, body: Any) -> tuple[int, dict[str, Any]]:
    response = client.post(PATH, json=body)
    return response.status_code, response.json()


def reasons(answer: dict[str, Any]) -> list[str | None]:
    return [result.get("reason") for result in answer["results"]]


def test_a_right_and_a_wrong_outcome_are_counted_for_the_version(
    client: TestClient, predicted: Predicted
) -> None:
    right = {"prediction_id": predicted.id(), predicted.kind: predicted.right}
    assert post(client, right) == (200, {"accepted": 1, "refused": 0, "results": [{"status": "accepted"}]})
    status, _ = post(
        client, {"outcomes": [{"prediction_id": predicted.id(), predicted.kind: predicted.wrong}]}
    )
    assert status == 200
    text = client.get("/metrics").text
    version = predicted.version
    assert sample(text, "model_outcomes_total", version=version, kind=predicted.kind) == 2
    if predicted.kind == "label":
        assert sample(text, "model_outcomes_correct_total", version=version) == 1
        wrong = {"actual": str(predicted.wrong), "predicted": str(predicted.right)}
        assert sample(text, "model_outcomes_confusion_total", version=version, **wrong) == 1
    else:
        assert sample(text, "model_outcomes_absolute_error_total", version=version) == 30
        assert sample(text, "model_outcomes_squared_error_total", version=version) == 900
    assert sample(text, "model_outcome_delay_seconds_count", version=version) == 2


def test_the_ids_predict_answers_with_take_outcomes(client: TestClient, manifest: ModelManifest) -> None:
    answer = client.post("/predict", json={"rows": typical_rows(manifest, 3)}).json()
    truths = [
        {"label": p["label"]} if manifest.classes else {"value": p["value"]} for p in answer["predictions"]
    ]
    outcomes = [
        {"prediction_id": token, **truth}
        for token, truth in zip(answer["prediction_ids"], truths, strict=True)
    ]
    assert post(client, {"outcomes": outcomes})[1]["accepted"] == 3


def test_a_business_outcome_is_counted_for_either_kind_of_model(
    client: TestClient, predicted: Predicted
) -> None:
    assert post(client, {"prediction_id": predicted.id(), "business": 2.5})[0] == 200
    text = client.get("/metrics").text
    assert sample(text, "model_outcomes_business_total", version=predicted.version) == 2.5
    assert sample(text, "model_outcomes_business_squared_total", version=predicted.version) == 6.25


def test_an_id_of_a_version_never_served_here_is_recorded(client: TestClient, predicted: Predicted) -> None:
    other = "f" * 12 if predicted.version != "f" * 12 else "e" * 12
    assert (
        post(client, {"prediction_id": predicted.id(version=other), predicted.kind: predicted.right})[0]
        == 200
    )
    assert sample(client.get("/metrics").text, "model_outcomes_total", version=other) == 1


def tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("B" if token[middle] == "A" else "A") + token[middle + 1 :]


def test_forged_and_tampered_ids_are_refused_and_counted_only_as_rejections(
    client: TestClient, predicted: Predicted
) -> None:
    forged = predicted.id(keys=IdKeys(SigningKey(3, bytes(32))))
    outcomes = [
        {"prediction_id": token, predicted.kind: predicted.right}
        for token in (forged, tampered(predicted.id()))
    ]
    status, answer = post(client, {"outcomes": outcomes})
    assert status == 422
    assert reasons(answer) == ["bad_signature", "bad_signature"]
    assert answer["error"].startswith("2 of 2 outcomes refused (bad_signature 2)")
    text = client.get("/metrics").text
    assert sample(text, "model_outcomes_rejected_total", reason="bad_signature") == 2
    assert counted(text) == 0


def test_a_batch_records_its_good_outcomes_and_names_the_reason_of_each_refused_one(
    client: TestClient, predicted: Predicted
) -> None:
    good = {"prediction_id": predicted.id(), predicted.kind: predicted.right}
    mismatched = {"prediction_id": predicted.id(), "value" if predicted.kind == "label" else "label": 1}
    outcomes = [
        good,
        mismatched,
        {"prediction_id": predicted.id(issued_at=1_000_000_000), predicted.kind: predicted.right},
        {"prediction_id": predicted.id(), predicted.kind: predicted.right, "note": "x"},
        "not an outcome",
        {"prediction_id": "short", predicted.kind: predicted.right},
        good,
        {"prediction_id": predicted.id(), "business": -1},
    ]
    status, answer = post(client, {"outcomes": outcomes})
    assert status == 422
    assert (answer["accepted"], answer["refused"]) == (1, 7)
    expected = [
        None,
        "kind_mismatch",
        "expired",
        "malformed",
        "malformed",
        "malformed",
        "duplicate",
        "malformed",
    ]
    assert reasons(answer) == expected
    assert all(result["detail"] for result in answer["results"][1:])
    text = client.get("/metrics").text
    assert sample(text, "model_outcomes_total", version=predicted.version, kind=predicted.kind) == 1
    assert sample(text, "model_outcomes_rejected_total", reason="malformed") == 4


def test_a_label_of_no_class_or_for_a_regressor_is_refused(client: TestClient, predicted: Predicted) -> None:
    if predicted.kind != "label":
        label = {"prediction_id": predicted.id(), "label": "benign"}
        assert reasons(post(client, label)[1]) == ["kind_mismatch"]
        return
    status, answer = post(client, {"prediction_id": predicted.id(), "label": "no such class"})
    assert (status, reasons(answer)) == (422, ["unknown_label"])


def test_a_full_batch_is_taken_and_a_larger_one_refused_whole(
    client: TestClient, predicted: Predicted
) -> None:
    outcomes = [{"prediction_id": predicted.id(), predicted.kind: predicted.right} for _ in range(1000)]
    status, answer = post(client, {"outcomes": outcomes})
    assert (status, answer["accepted"]) == (200, 1000)
    status, answer = post(client, {"outcomes": [*outcomes, outcomes[0]]})
    assert status == 413
    assert answer == {"error": "1001 outcomes in one request; send at most 1000"}


def test_a_full_batch_fits_the_body_limit_of_a_server_of_single_rows(
    artifacts_dir: Path, predicted: Predicted
) -> None:
    settings = ServerSettings(model_dir=artifacts_dir, workers=1, max_batch_rows=1, **SETTINGS)
    client = TestClient(create_app(settings))
    outcomes = [{"prediction_id": predicted.id(), "business": 1.5e-300} for _ in range(1000)]
    response = client.post(PATH, content=json.dumps({"outcomes": outcomes}, indent=4))
    assert response.status_code == 200, response.text


def test_bodies_that_hold_no_outcomes_are_refused_whole(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    for body, status, error in [
        (b"{", 400, "not valid JSON"),
        (b'{"outcomes": []}', 422, "holding 1 to 1000"),
        (b'{"outcomes": {}}', 422, "holding 1 to 1000"),
        (b'{"outcomes": [], "more": 1}', 422, "holding 1 to 1000"),
        (b'{"prediction_id": "a", "prediction_id": "b", "label": 1}', 400, "repeats the key"),
    ]:
        response = client.post(PATH, content=body, headers=headers)
        assert (response.status_code, error in response.json()["error"]) == (status, True), body
    response = client.post(PATH, content=b"label=1", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert sample(client.get("/metrics").text, "model_outcomes_rejected_total") == 0


def test_the_route_is_counted_with_the_others(client: TestClient, predicted: Predicted) -> None:
    post(client, {"prediction_id": predicted.id(), predicted.kind: predicted.right})
    post(client, {"prediction_id": "forged", predicted.kind: predicted.right})
    text = client.get("/metrics").text
    for status in ("200", "422"):
        assert sample(text, "http_requests_total", route=PATH, method="POST", status=status) == 1


def test_the_openapi_document_describes_outcomes_with_examples(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"][PATH]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    assert set(content["examples"]) == {"label", "value", "business", "batch"}
    assert {"200", "422", "413"} <= set(operation["responses"])
    assert {"LabelOutcome", "ValueOutcome", "BusinessOutcome", "Outcomes", "OutcomeResults"} <= set(
        document["components"]["schemas"]
    )
