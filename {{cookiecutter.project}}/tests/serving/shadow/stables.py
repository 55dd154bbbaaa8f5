"""A stand-in stable for the shadow stage (httpx's MockTransport), and the stage observing answers."""

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.http.fastlane import FastLane
from {{ cookiecutter.package }}.serving.http.guard import RequestGuard
from {{ cookiecutter.package }}.serving.http.responses import json_reply
from {{ cookiecutter.package }}.serving.monitoring.logs import request_id
from {{ cookiecutter.package }}.serving.settings import ServerSettings
from {{ cookiecutter.package }}.serving.shadow.metrics import ShadowMetrics
from {{ cookiecutter.package }}.serving.shadow.stage import (
    Shadow,
)

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


def observe(
    shadow: Shadow,
    answers: list[dict[str, Any]],
    route: str = "/predict",
    params: dict[str, str] | None = None,
    headers: dict[str, str] = HEADERS,
) -> None:
    """Each answer observed as a request answered 200, then every re-ask finished."""

    async def run() -> None:
        for index, answer in enumerate(answers):
            request_id.set(f"id-{index}")
            shadow.observe(route, params or {}, BODY, headers, json_reply(answer))
        while shadow.tasks:
            await asyncio.gather(*shadow.tasks)
        await shadow.close()

    asyncio.run(run())


def counted(shadow: Shadow, name: str, **labels: str) -> float | None:
    return shadow.metrics.registry.get_sample_value(name, labels)


def skipped_in(client: TestClient, reason: str, expected: float) -> float | None:
    """The app's count of skips for `reason` once it reaches `expected` (its re-asks run in the
    background), or as it is after a few seconds."""
    deadline = time.monotonic() + 5
    while True:
        text = client.get("/metrics").text
        values = [
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "model_shadow_skipped_total" and sample.labels.get("reason") == reason
        ]
        if (values and values[0] >= expected) or time.monotonic() > deadline:
            return values[0] if values else None
        time.sleep(0.02)


@contextmanager
def app_asking(settings: ServerSettings, handler: Stable) -> Iterator[TestClient]:
    """The app in process, its stable answered by `handler`, running for the whole block."""
    app = create_app(settings)
    guard = app.front
    assert isinstance(guard, RequestGuard)
    assert isinstance(guard.app, FastLane)
    shadow = getattr(guard.app.observe, "__self__", None)
    assert isinstance(shadow, Shadow)
    shadow.transport = httpx.MockTransport(handler)
    with TestClient(app) as client:
        yield client


def model_reads(manifest: ModelManifest, reads: list[float], status: int = 200) -> Stable:
    """A stable whose /model answers `status`, noting when it is read, and that agrees otherwise."""

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model":
            reads.append(time.monotonic())
            return httpx.Response(status, json=model_document(manifest))
        return httpx.Response(200, json=own_answer(manifest))

    return handle
