"""Every answer carries a signed id per row that verifies back to exactly what was predicted; a server with
no key makes one, shared by its workers, and says so once; a bad key stops it with one line."""

import base64
import json
import multiprocessing
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.labels import LabelTable
from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.outcomes.ids import (
    IdKeys,
    Kind,
    PredictionId,
    SigningKey,
)
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.ids import share_start_key
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ..rows import typical_rows
from ..servers import LiveServer

SECRET = bytes(range(32))
KEYS = IdKeys(SigningKey(3, SECRET))
JSON = "application/json"


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"prediction_id_key": base64.b64encode(SECRET).decode(), "prediction_id_key_id": 3}


def verified(token: str, manifest: ModelManifest) -> PredictionId:
    assert manifest.onnx is not None
    pid = KEYS.verify(token, now=time.time())
    assert pid.version == manifest.onnx.sha256[:12]
    return pid


def predicted(pid: PredictionId, manifest: ModelManifest) -> Any:
    """What the id says was predicted, as the answer spells it: a label, or the exact value."""
    if manifest.classes:
        assert pid.kind is Kind.CLASS
        return manifest.classes[LabelTable(manifest.classes).by_digest[pid.label]]
    assert pid.kind is Kind.VALUE
    return pid.value


def answered(prediction: dict[str, Any]) -> Any:
    return prediction["label"] if "label" in prediction else prediction["value"]


def test_one_row_has_its_id_in_the_header_and_the_body(client: TestClient, manifest: ModelManifest) -> None:
    response = client.post("/predict", json=typical_rows(manifest)[0])
    answer = response.json()
    assert answer["prediction_ids"] == [response.headers["x-prediction-id"]]
    assert predicted(verified(answer["prediction_ids"][0], manifest), manifest) == answered(answer)


@pytest.mark.parametrize("lane", ["fast", "documented"])
def test_a_batch_has_one_id_per_row_each_of_its_own_row(
    lane: str, client: TestClient, settings: ServerSettings, manifest: ModelManifest
) -> None:
    if lane == "documented":
        client = TestClient(create_app(settings).framework)
    response = client.post("/predict", json={"rows": typical_rows(manifest, 7)})
    answer = response.json()
    assert "x-prediction-id" not in response.headers
    pids = [verified(token, manifest) for token in answer["prediction_ids"]]
    assert [predicted(pid, manifest) for pid in pids] == [answered(row) for row in answer["predictions"]]
    assert len({pid.nonce for pid in pids}) == 7


def test_oip_keeps_the_request_id_and_puts_the_ids_in_parameters(
    client: TestClient, manifest: ModelManifest
) -> None:
    rows = typical_rows(manifest, 3)
    data = [[row[name] for name in manifest.feature_names] for row in rows]
    tensor = {"name": "input", "shape": [3, len(data[0])], "datatype": "FP64", "data": data}
    if manifest.categorical:
        pytest.skip("the model has category columns: /predict's tests cover it")
    answer = client.post(f"/v2/models/{manifest.name}/infer", json={"id": "r-1", "inputs": [tensor]}).json()
    assert answer["id"] == "r-1"
    outputs = {output["name"]: output["data"] for output in answer["outputs"]}
    pids = [verified(token, manifest) for token in answer["parameters"]["prediction_ids"]]
    if manifest.classes:
        expected = [manifest.classes[index] for index in outputs["label"]]
    else:
        expected = outputs["variable"]
    assert [predicted(pid, manifest) for pid in pids] == expected


def test_ids_are_counted_by_version_and_how_the_request_came(
    client: TestClient, manifest: ModelManifest
) -> None:
    assert manifest.onnx is not None
    row = typical_rows(manifest)[0]
    client.post("/predict", json={"rows": [row, row]})
    client.post("/predict", json=row, headers={"X-Model-Variant": "canary"})
    client.post("/predict", json=row, headers={"Host": "ml.example.com-shadow"})
    client.post("/predict", json=row, headers={"Host": "ml.example.com-shadow:8080"})
    metrics = client.get("/metrics").text
    version = manifest.onnx.sha256[:12]
    for source, rows, requests in (("split", 2, 1), ("header", 1, 1), ("mirror", 2, 2)):
        labels = f'source="{source}",version="{version}"'
        assert "model_prediction_ids_total{" + labels + "} " + f"{rows}.0" in metrics
        assert "model_prediction_requests_total{" + labels + "} " + f"{requests}.0" in metrics


def test_a_worker_spawned_without_a_key_refuses_to_start(
    artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn --workers N run directly: each worker's own key would fail on its siblings."""
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    with pytest.raises(Failure, match="APP_PREDICTION_ID_KEY is not set and this worker was started by"):
        create_app(ServerSettings(model_dir=artifacts_dir, workers=1))


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"APP_PREDICTION_ID_KEY": "not base64!"}, "APP_PREDICTION_ID_KEY: Value error, a prediction id"),
        ({"APP_PREDICTION_ID_KEY": "c2hvcnQ="}, "holds at least 32 bytes, this one 5"),
        ({"APP_PREDICTION_ID_KEY_ID": "256"}, "APP_PREDICTION_ID_KEY_ID: Input should be less than"),
        ({"APP_PREDICTION_ID_PREVIOUS_KEY_ID": "1"}, "go together"),
    ],
    ids=["key=not-base64", "key=5-bytes", "key-id=256", "previous-id-alone"],
)
def test_a_bad_key_setting_is_one_line_and_exit_2(
    variables: dict[str, str], words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    assert words in line


@pytest.mark.slow
def test_an_id_one_worker_made_verifies_with_the_key_the_other_holds(two_workers: LiveServer) -> None:
    keys = worker_keys(two_workers.process.pid)
    body = json.dumps(typical_rows(two_workers.manifest)[0]).encode()
    nonces: list[int] = []
    deadline = time.monotonic() + 30
    # Each worker counts its nonces up from a random start: two runs of them, both workers answered.
    while not both_answered(nonces) and time.monotonic() < deadline:
        request = urllib.request.Request(f"{two_workers.url}/predict", body, {"Content-Type": JSON})
        with urllib.request.urlopen(request, timeout=10) as response:
            token = response.headers["x-prediction-id"]
        nonces.append(keys.verify(token, now=time.time()).nonce)
    assert both_answered(nonces), "one worker answered every request"


def both_answered(nonces: list[int]) -> bool:
    return any(abs(nonce - nonces[0]) > 100_000 for nonce in nonces)


def worker_keys(pid: int) -> IdKeys:
    """The one key every worker process holds, read from its environment as the parent handed it over."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    keys = set()
    for child in children:
        environment = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        keys |= {item.split(b"=", 1)[1] for item in environment if item.startswith(b"APP_PREDICTION_ID_KEY=")}
    [key] = keys
    return IdKeys(SigningKey.from_base64(key.decode(), 0))


def test_serve_makes_one_key_for_its_workers_and_says_so_in_one_line(
    artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("APP_PREDICTION_ID_KEY", "")  # so that monkeypatch removes the key made here
    monkeypatch.delenv("APP_PREDICTION_ID_KEY")
    share_start_key(ServerSettings(model_dir=artifacts_dir, workers=2))
    made = ServerSettings(model_dir=artifacts_dir, workers=2).prediction_id_key
    assert made is not None
    [record] = caplog.records
    message = record.getMessage()
    assert "shared by its 2 workers" in message
    assert "will not verify after a restart" in message
    assert made.get_secret_value() not in message
    share_start_key(ServerSettings(model_dir=artifacts_dir, workers=2))
    assert len(caplog.records) == 1, "a key set is used, not replaced"
