"""The shadow stage against a stand-in stable (httpx's MockTransport): what it counts, and its bounds."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.http.responses import json_reply
from {{ cookiecutter.package }}.serving.monitoring.logs import request_id
from {{ cookiecutter.package }}.serving.settings import ServerSettings
from {{ cookiecutter.package }}.serving.shadow.metrics import ShadowMetrics
from {{ cookiecutter.package }}.serving.shadow.stage import Shadow

from ...rows import typical_rows

Stable = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
HEADERS = {"content-type": "application/json"}
BODY = b'{"rows": []}'


def own_answer(manifest: ModelManifest, index: int = 0) -> dict[str, Any]:
    """An answer of this model to one row: its class `index`, or a value."""
    if manifest.classes:
        return {"label": manifest.classes[index]}
    return {"value": 100.0 + 50 * index}


def model_document(manifest: ModelManifest, **changes: Any) -> dict[str, Any]:
    return {
        "onnx": {"sha256": "another model"},
        "task": manifest.task,
        "classes": manifest.classes,
        **changes,
    }


def stable(
    manifest: ModelManifest, answer: dict[str, Any], seen: list[httpx.Request], **model: Any
) -> Stable:
    """A stable serving another model of the same task and classes (or `model`'s changes), answering
    every inference request with `answer`."""

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model":
            return httpx.Response(200, json=model_document(manifest, **model))
        seen.append(request)
        return httpx.Response(200, json=answer)

    return handle


def shadow_of(manifest: ModelManifest, artifacts_dir: Path, handler: Stable, **settings: Any) -> Shadow:
    values = {"shadow_stable_url": "http://stable", "shadow_timeout_s": 1.0, **settings}
    server = ServerSettings(model_dir=artifacts_dir, workers=1, **values)
    metrics = ShadowMetrics(CollectorRegistry(), manifest.shadow.min_agreement)
    return Shadow(server, manifest, metrics, httpx.MockTransport(handler))


def observe(shadow: Shadow, answers: list[dict[str, Any]], path: str = "/predict") -> None:
    """Each answer observed as a request answered 200, then every re-ask finished."""

    async def run() -> None:
        for index, answer in enumerate(answers):
            request_id.set(f"id-{index}")
            shadow.observe(path, BODY, HEADERS, json_reply(answer))
        while shadow.tasks:
            await asyncio.gather(*shadow.tasks)
        await shadow.close()

    asyncio.run(run())


def counted(shadow: Shadow, name: str, **labels: str) -> float | None:
    return shadow.metrics.registry.get_sample_value(name, labels)


def test_an_agreeing_stable_is_asked_the_same_request_under_the_same_id(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), seen))
    observe(shadow, [own_answer(manifest)] * 3)
    assert counted(shadow, "model_shadow_comparisons_total") == 3
    assert counted(shadow, "model_shadow_agreements_total") == 3
    assert [request.headers["x-request-id"] for request in seen] == ["id-0", "id-1", "id-2"]
    assert {(request.content, request.headers["content-type"]) for request in seen} == {
        (BODY, HEADERS["content-type"])
    }


def test_a_disagreeing_stable_counts_a_comparison_without_agreement(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest, 1), []))
    observe(shadow, [own_answer(manifest)])
    assert counted(shadow, "model_shadow_comparisons_total") == 1
    assert counted(shadow, "model_shadow_agreements_total") == 0


def test_the_same_model_is_skipped_without_asking_it_again(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    seen: list[httpx.Request] = []
    assert manifest.onnx is not None
    handler = stable(manifest, own_answer(manifest), seen, onnx={"sha256": manifest.onnx.sha256})
    shadow = shadow_of(manifest, artifacts_dir, handler)
    observe(shadow, [own_answer(manifest)] * 4)
    assert counted(shadow, "model_shadow_skipped_total", reason="same_model") == 4
    assert counted(shadow, "model_shadow_comparisons_total") == 0
    assert seen == []


def test_other_classes_skip_the_stage_with_one_logged_reason(
    manifest: ModelManifest, artifacts_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handler = stable(manifest, own_answer(manifest), [], task="multiclass", classes=["x", "y", "z"])
    shadow = shadow_of(manifest, artifacts_dir, handler)
    with caplog.at_level(logging.WARNING):
        observe(shadow, [own_answer(manifest)] * 5)
    assert counted(shadow, "model_shadow_skipped_total", reason="incomparable") == 5
    assert counted(shadow, "model_shadow_comparable") == 0
    logged = [
        record.getMessage() for record in caplog.records if "shadow stage skipped" in record.getMessage()
    ]
    assert len(logged) == 1
    assert "classes" in logged[0] or "task" in logged[0]


def refused() -> httpx.Response:
    raise httpx.ConnectError("connection refused")


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (lambda: httpx.Response(500, json={"error": "internal"}), "stable_error"),
        (lambda: httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"}), "unreadable"),
        (refused, "stable_error"),
    ],
    ids=["5xx", "not-an-answer", "refused"],
)
def test_a_failing_stable_is_a_skip_never_a_disagreement(
    manifest: ModelManifest, artifacts_dir: Path, failure: Callable[[], httpx.Response], reason: str
) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model":
            return httpx.Response(200, json=model_document(manifest))
        return failure()

    shadow = shadow_of(manifest, artifacts_dir, handle)
    observe(shadow, [own_answer(manifest)] * 2)
    assert counted(shadow, "model_shadow_skipped_total", reason=reason) == 2
    assert counted(shadow, "model_shadow_comparisons_total") == 0


def test_a_slow_stable_times_out_as_a_skip(manifest: ModelManifest, artifacts_dir: Path) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=model_document(manifest))

    shadow = shadow_of(manifest, artifacts_dir, handle, shadow_timeout_s=0.05)
    observe(shadow, [own_answer(manifest)])
    assert counted(shadow, "model_shadow_skipped_total", reason="stable_timeout") == 1


def test_re_asks_beyond_the_cap_are_dropped_as_busy(manifest: ModelManifest, artifacts_dir: Path) -> None:
    async def run() -> Shadow:
        release = asyncio.Event()

        async def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/model":
                return httpx.Response(200, json=model_document(manifest))
            await release.wait()
            return httpx.Response(200, json=own_answer(manifest))

        shadow = shadow_of(manifest, artifacts_dir, handle, shadow_max_in_flight=2)
        for _ in range(5):
            shadow.observe("/predict", BODY, HEADERS, json_reply(own_answer(manifest)))
        assert len(shadow.tasks) == 2
        release.set()
        await asyncio.gather(*shadow.tasks)
        await shadow.close()
        return shadow

    shadow = asyncio.run(run())
    assert counted(shadow, "model_shadow_skipped_total", reason="busy") == 3
    assert counted(shadow, "model_shadow_agreements_total") == 2


def test_a_versioned_oip_path_is_re_asked_unversioned(manifest: ModelManifest, artifacts_dir: Path) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, {"outputs": []}, seen))
    observe(shadow, [{"outputs": [{"name": "label", "data": [0]}]}], path="/v2/models/m/versions/7/infer")
    assert [request.url.path for request in seen] == ["/v2/models/m/infer"]


def test_a_sampled_out_answer_is_neither_asked_nor_counted(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    seen: list[httpx.Request] = []
    handler = stable(manifest, own_answer(manifest), seen)
    shadow = shadow_of(manifest, artifacts_dir, handler, shadow_sample=0.01)
    shadow.random.seed(0)  # its first draws are all above 0.01
    observe(shadow, [own_answer(manifest)] * 3)
    assert seen == []
    assert counted(shadow, "model_shadow_comparisons_total") == 0


def test_the_threshold_gauge_is_the_manifest_s(manifest: ModelManifest, artifacts_dir: Path) -> None:
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), []))
    assert counted(shadow, "model_shadow_min_agreement") == manifest.shadow.min_agreement
    assert counted(shadow, "model_shadow_comparable") == 1


@pytest.mark.parametrize("app_settings", [{"shadow_stable_url": "http://127.0.0.1:9"}])
def test_an_unreachable_stable_leaves_the_answer_alone(client: TestClient, manifest: ModelManifest) -> None:
    answer = client.post("/predict", json=typical_rows(manifest)[0])
    assert answer.status_code == 200
    assert "model_shadow_min_agreement" in client.get("/metrics").text


def test_without_a_stable_url_nothing_is_compared_and_the_series_are_there(
    client: TestClient, manifest: ModelManifest
) -> None:
    assert client.post("/predict", json=typical_rows(manifest)[0]).status_code == 200
    metrics = client.get("/metrics").text
    assert "model_shadow_comparisons_total 0.0" in metrics
    assert f"model_shadow_min_agreement {manifest.shadow.min_agreement}" in metrics


def test_the_stable_url_must_be_http() -> None:
    with pytest.raises(ValidationError):
        ServerSettings(shadow_stable_url="ftp://stable")
