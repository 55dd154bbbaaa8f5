"""KServe's own REST client talks Open Inference Protocol v2 to a baked project's server."""

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import numpy as np
import pytest
from baking import bake, free_port, is_ready, project_env
from kserve import InferenceRESTClient, InferInput, InferRequest, InferResponse, RESTConfig

PACKAGE = "ml_service"
READY_TIMEOUT_S = 30
# Scales around the training means, so the rows differ and may cross the decision boundary.
SCALES = (1.0, 0.6, 1.4, 0.9)


class Server(NamedTuple):
    url: str
    model: dict[str, Any]


def run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(
        command, cwd=cwd, env=project_env(), capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        if is_ready(url, timeout_s=1):
            return
        time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"the server was not ready within {READY_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = bake(tmp_path_factory.mktemp("bake"))
    artifacts = project / "artifacts"
    run(["uv", "sync", "--frozen"], project)
    run(["uv", "run", "--frozen", "python", "-m", PACKAGE, "train", "--out", str(artifacts)], project)
    run(["uv", "run", "--frozen", "python", "-m", PACKAGE, "export", "--artifacts", str(artifacts)], project)
    port = free_port()
    env = {**project_env(), "APP_MODEL_DIR": str(artifacts), "APP_PORT": str(port), "APP_WORKERS": "1"}
    # A file, not a pipe nobody reads, so the server can never block on a full pipe.
    log = project / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(project / ".venv/bin/python"), "-m", PACKAGE, "serve"],
            cwd=project,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, log)
        yield Server(url, httpx.get(f"{url}/model", timeout=5).json())
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rows_around_the_mean(model: dict[str, Any]) -> np.ndarray:
    means = np.array([feature["summary"]["mean"] for feature in model["features"]], dtype=np.float32)
    return np.stack([means * np.float32(scale) for scale in SCALES])


def rest_client() -> InferenceRESTClient:
    return InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=10))


async def ask_kserve(
    url: str, model_name: str, matrix: np.ndarray, binary: bool
) -> tuple[InferResponse, dict[str, str]]:
    tensor = InferInput("input", list(matrix.shape), "FP32")
    tensor.set_data_from_numpy(matrix, binary_data=binary)
    parameters = {"binary_data_output": True} if binary else None
    request = InferRequest(model_name, [tensor], request_id="kserve-1", parameters=parameters)
    headers: dict[str, str] = {}
    async with rest_client() as client:
        response = await client.infer(url, request, model_name=model_name, response_headers=headers)
    assert isinstance(response, InferResponse)
    return response, headers


def ask_predict(url: str, model: dict[str, Any], matrix: np.ndarray) -> list[dict[str, Any]]:
    names = [feature["name"] for feature in model["features"]]
    rows = [dict(zip(names, row, strict=True)) for row in matrix.tolist()]
    response = httpx.post(f"{url}/predict", json={"rows": rows}, timeout=10)
    assert response.status_code == 200, response.text
    predictions: list[dict[str, Any]] = response.json()["predictions"]
    return predictions


async def readiness(url: str, model_name: str) -> tuple[bool, bool, bool]:
    async with rest_client() as client:
        return (
            await client.is_server_live(url),
            await client.is_server_ready(url),
            await client.is_model_ready(url, model_name),
        )


@pytest.mark.slow
def test_kserve_client_sees_a_live_ready_model(server: Server) -> None:
    assert asyncio.run(readiness(server.url, server.model["name"])) == (True, True, True)
    assert not asyncio.run(readiness(server.url, "no-such-model"))[2]


@pytest.mark.slow
@pytest.mark.parametrize("binary", [False, True], ids=["tensors=json", "tensors=binary"])
def test_kserve_client_gets_the_predictions_of_the_predict_route(server: Server, binary: bool) -> None:
    model = server.model
    matrix = rows_around_the_mean(model)
    response, headers = asyncio.run(ask_kserve(server.url, model["name"], matrix, binary))
    expected = ask_predict(server.url, model, matrix)
    outputs = {output.name: output for output in response.outputs}
    assert response.id == "kserve-1"
    assert sorted(outputs) == ["label", "probabilities"]
    # The client decodes raw tensors into plain data, so only this header shows which way they came.
    assert ("inference-header-content-length" in headers) is binary
    classes = model["classes"]
    probabilities = outputs["probabilities"].as_numpy()
    assert probabilities.shape == (len(SCALES), len(classes))
    want = np.array([[row["probabilities"][name] for name in classes] for row in expected])
    np.testing.assert_allclose(probabilities, want, rtol=1e-6)
    # The ONNX label is the index of the class in the manifest's class list.
    labels = [classes[index] for index in outputs["label"].as_numpy().ravel().tolist()]
    assert labels == [row["label"] for row in expected]
    assert len(set(labels)) > 1, "the rows should reach both sides of the decision boundary"
