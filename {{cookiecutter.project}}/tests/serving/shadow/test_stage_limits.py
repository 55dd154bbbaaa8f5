"""What neither a client nor the stable can make the shadow stage do: fail loudly, loop, hold memory
or count an error as a disagreement; and its own bounds (busy, timeout, close)."""

import asyncio
import gzip
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.http.responses import json_reply
from {{ cookiecutter.package }}.serving.monitoring.logs import request_id
from {{ cookiecutter.package }}.serving.settings import ServerSettings
from {{ cookiecutter.package }}.serving.shadow import REASK
from {{ cookiecutter.package }}.serving.shadow.stage import MODEL_BYTES, Shadow

from ...rows import typical_rows
from .stables import (
    BODY,
    HEADERS,
    app_asking,
    counted,
    model_document,
    observe,
    own_answer,
    shadow_of,
    skipped_in,
    stable,
)


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
            shadow.observe("/predict", {}, BODY, HEADERS, json_reply(own_answer(manifest)))
        assert len(shadow.tasks) == 2
        release.set()
        await asyncio.gather(*shadow.tasks)
        await shadow.close()
        return shadow

    shadow = asyncio.run(run())
    assert counted(shadow, "model_shadow_skipped_total", reason="busy") == 3
    assert counted(shadow, "model_shadow_agreements_total") == 2


@pytest.mark.parametrize("app_settings", [{"shadow_stable_url": "http://127.0.0.1:9"}])
def test_an_unreachable_stable_leaves_the_answer_alone_and_is_counted(
    settings: ServerSettings, manifest: ModelManifest
) -> None:
    with TestClient(create_app(settings)) as client:
        answer = client.post("/predict", json=typical_rows(manifest)[0])
        assert answer.status_code == 200
        assert skipped_in(client, "stable_error", 1) == 1


def test_a_non_ascii_request_id_is_left_out_of_the_re_ask(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), seen))

    async def run() -> None:
        request_id.set("id-é")
        shadow.observe("/predict", {}, BODY, HEADERS, json_reply(own_answer(manifest)))
        await asyncio.gather(*shadow.tasks)
        await shadow.close()

    asyncio.run(run())
    assert counted(shadow, "model_shadow_comparisons_total") == 1
    assert "x-request-id" not in seen[0].headers


def test_a_content_type_that_cannot_be_sent_is_skipped_as_unsendable(
    manifest: ModelManifest, artifacts_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), seen))
    with caplog.at_level(logging.DEBUG):
        observe(shadow, [own_answer(manifest)], headers={"content-type": "application/json; x=\u00e9"})
    assert counted(shadow, "model_shadow_skipped_total", reason="unsendable") == 1
    assert seen == []
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_whatever_else_fails_in_a_re_ask_is_a_stable_error_logged_once_at_debug(
    manifest: ModelManifest, artifacts_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model":
            return httpx.Response(200, json=model_document(manifest))
        raise UnicodeEncodeError("ascii", "é", 0, 1, "not ASCII")

    shadow = shadow_of(manifest, artifacts_dir, handle)
    with caplog.at_level(logging.DEBUG):
        observe(shadow, [own_answer(manifest)] * 3)
    assert counted(shadow, "model_shadow_skipped_total", reason="stable_error") == 3
    assert [record.levelno for record in caplog.records if record.exc_info] == [logging.DEBUG]


@pytest.mark.parametrize("app_settings", [{"shadow_stable_url": "http://stable"}])
def test_a_request_to_a_respelled_path_is_re_asked_at_the_route_s_own(
    settings: ServerSettings, manifest: ModelManifest
) -> None:
    """/predict%0A is /predict to the router; the re-ask must not carry the newline, which httpx refuses."""
    seen: list[httpx.Request] = []
    with app_asking(settings, stable(manifest, {}, seen)) as client:
        assert client.post("/predict%0A", json=typical_rows(manifest)[0]).status_code == 200
        assert skipped_in(client, "unreadable", 1) == 1
    assert [request.url.raw_path for request in seen] == [b"/predict"]


@pytest.mark.parametrize("app_settings", [{"shadow_stable_url": "http://stable"}])
def test_the_app_never_re_asks_a_re_ask(settings: ServerSettings, manifest: ModelManifest) -> None:
    seen: list[httpx.Request] = []
    with app_asking(settings, stable(manifest, {}, seen)) as client:
        row = typical_rows(manifest)[0]
        assert client.post("/predict", json=row, headers={"X-Shadow-Reask": "1"}).status_code == 200
        assert client.post("/predict", json=row).status_code == 200
        assert skipped_in(client, "unreadable", 1) == 1
    assert len(seen) == 1


def large_answer(manifest: ModelManifest) -> httpx.Response:
    return httpx.Response(200, content=b" " * (2 * MODEL_BYTES), headers={"content-type": "application/json"})


def gzipped_answer(manifest: ModelManifest) -> httpx.Response:
    """An agreeing answer, gzipped: read, it would count as a comparison (a gzip bomb is one of these)."""
    content = gzip.compress(json_reply(own_answer(manifest))[0])
    return httpx.Response(
        200, content=content, headers={"content-type": "application/json", "content-encoding": "gzip"}
    )


@pytest.mark.parametrize("answer", [large_answer, gzipped_answer], ids=["large", "gzip"])
def test_a_large_or_encoded_answer_is_a_stable_error_and_identity_is_asked_for(
    manifest: ModelManifest, artifacts_dir: Path, answer: Callable[[ModelManifest], httpx.Response]
) -> None:
    seen: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/model":
            return httpx.Response(200, json=model_document(manifest))
        seen.append(request)
        return answer(manifest)

    shadow = shadow_of(manifest, artifacts_dir, handle)
    observe(shadow, [own_answer(manifest)])
    assert counted(shadow, "model_shadow_skipped_total", reason="stable_error") == 1
    assert counted(shadow, "model_shadow_comparisons_total") == 0
    assert seen[0].headers["accept-encoding"] == "identity"


def test_a_large_model_document_is_a_stable_error(manifest: ModelManifest, artifacts_dir: Path) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        padded = {**model_document(manifest), "padding": " " * MODEL_BYTES}
        return httpx.Response(200, json=padded)

    shadow = shadow_of(manifest, artifacts_dir, handle)
    observe(shadow, [own_answer(manifest)])
    assert counted(shadow, "model_shadow_skipped_total", reason="stable_error") == 1


def test_re_asks_are_marked_and_a_marked_request_is_never_re_asked(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), seen))
    observe(shadow, [own_answer(manifest)])
    assert [request.headers[REASK] for request in seen] == ["1"]
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), seen))
    observe(shadow, [own_answer(manifest)] * 2, headers={**HEADERS, REASK: "1"})
    assert len(seen) == 1
    assert counted(shadow, "model_shadow_comparisons_total") == 0
    assert counted(shadow, "model_shadow_skipped_total", reason="busy") == 0


def test_close_cancels_the_re_asks_in_flight(manifest: ModelManifest, artifacts_dir: Path) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("never answered")

    async def run() -> list[bool]:
        shadow = shadow_of(manifest, artifacts_dir, handle)
        shadow.observe("/predict", {}, BODY, HEADERS, json_reply(own_answer(manifest)))
        tasks = list(shadow.tasks)
        await asyncio.sleep(0.01)
        await shadow.close()
        await asyncio.wait(tasks, timeout=1)
        # Asked before asyncio.run cancels whatever is left.
        return [task.cancelled() for task in tasks]

    assert asyncio.run(run()) == [True]
