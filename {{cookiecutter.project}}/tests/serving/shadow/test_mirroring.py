"""The shadow stage between two real servers: a stable and a canary serving another model, each sent
every request by a mirroring client (as the gateway mirrors production to the canary)."""

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.model.config import ModelConfig
from {{ cookiecutter.package }}.serving.shadow.answers import agree, read_answer

from ...rows import oip_inputs, typical_rows
from ...servers import LiveServer, free_port, live_server
from ...sharing import shared_dir, shared_path

pytestmark = pytest.mark.slow

REQUESTS = 30


@pytest.fixture(scope="session")
def canary_dir(request: pytest.FixtureRequest, model_config: ModelConfig) -> Path:
    """The project's model trained with another seed (another split, so another model of the same task
    and classes), shared by the workers."""

    def train_and_export(artifacts: Path) -> None:
        from {{ cookiecutter.package }}.model.export import export_model
        from {{ cookiecutter.package }}.model.train import train_model

        train = model_config.train.model_copy(update={"seed": model_config.train.seed + 1})
        train_model(model_config.data, train, artifacts, name="test-model", shadow=model_config.shadow)
        export_model(artifacts, model_config.gate.parity_tolerance)

    return shared_path(shared_dir(request.config), "shadow-canary", train_and_export)


@pytest.fixture(scope="module")
def pair(artifacts_dir: Path, canary_dir: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    """The stable (whose own stable is itself, as every production pod is told) and the canary."""
    port = free_port()
    stable_url = f"http://127.0.0.1:{port}"
    with (
        live_server(
            artifacts_dir, port=port, APP_SHADOW_STABLE_URL=stable_url, APP_ACCESS_LOG="true"
        ) as stable,
        # Two workers: the counters add up and the gauges hold across them (multiprocess mode).
        live_server(canary_dir, workers=2, APP_SHADOW_STABLE_URL=stable_url) as canary,
    ):
        yield stable, canary


def requests(manifest: ModelManifest) -> list[tuple[str, dict[str, Any]]]:
    """/predict and OIP infer in turn, a row each."""
    rows = typical_rows(manifest, REQUESTS)
    oip = f"/v2/models/{manifest.name}/infer"
    return [
        ("/predict", row) if index % 2 else (oip, {"inputs": oip_inputs(manifest, [row])})
        for index, row in enumerate(rows)
    ]


def mirror(stable: LiveServer, canary: LiveServer, manifest: ModelManifest) -> tuple[list[str], int]:
    """Send each request to both under one id; the ids, and how many answers agreed as the client saw them."""
    ids, agreed = [], 0
    with httpx.Client() as client:
        for path, body in requests(manifest):
            ids.append(uuid.uuid4().hex)
            answers = [
                client.post(server.url + path, json=body, headers={"x-request-id": ids[-1]})
                for server in (stable, canary)
            ]
            assert [answer.status_code for answer in answers] == [200, 200]
            mine, theirs = (read_answer(a.content, a.headers["content-type"]) for a in reversed(answers))
            assert mine is not None
            assert theirs is not None
            agreed += bool(agree(mine, theirs, manifest.shadow.tolerance))
    return ids, agreed


def shadow_counts(server: LiveServer) -> dict[str, float]:
    """The model_shadow_* samples of the server's /metrics, a skip reason as skipped:<reason>."""
    text = httpx.get(f"{server.url}/metrics").text
    return {
        sample.name + (f":{sample.labels['reason']}" if "reason" in sample.labels else ""): sample.value
        for family in text_string_to_metric_families(text)
        if family.name.startswith("model_shadow")
        for sample in family.samples
    }


def settled(server: LiveServer, total: float) -> dict[str, float]:
    """The counts once `total` answers were compared or skipped (the re-asks run after each answer)."""
    deadline = time.monotonic() + 10
    while True:
        counts = shadow_counts(server)
        done = counts["model_shadow_comparisons_total"] + sum(
            value for name, value in counts.items() if name.startswith("model_shadow_skipped_total:")
        )
        if done >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


def test_the_canary_counts_the_agreements_the_client_saw_and_the_stable_skips_itself(
    pair: tuple[LiveServer, LiveServer], manifest: ModelManifest
) -> None:
    stable, canary = pair
    ids, agreed = mirror(stable, canary, manifest)
    counts = settled(canary, REQUESTS)
    assert counts["model_shadow_comparisons_total"] == REQUESTS
    assert counts["model_shadow_agreements_total"] == agreed
    assert counts["model_shadow_comparable"] == 1
    assert counts["model_shadow_min_agreement"] == manifest.shadow.min_agreement
    # The stable serves the model its stable URL serves: its own requests are skipped, and the canary's
    # re-asks (marked as such) are not re-asked at all.
    assert settled(stable, REQUESTS)["model_shadow_skipped_total:same_model"] == REQUESTS
    # Every id reached the stable twice, from the client and from the canary, so the logs join by it.
    stable.process.terminate()
    logged = [
        json.loads(line).get("request_id") for line in stable.log().splitlines() if line.startswith("{")
    ]
    assert [logged.count(request_id) for request_id in ids] == [2] * REQUESTS
