"""The shadow stage against a stand-in stable: what it counts, and how it reads the stable's model."""

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.serving.http.responses import json_reply
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ...rows import typical_rows
from .stables import (
    BODY,
    HEADERS,
    counted,
    model_reads,
    observe,
    own_answer,
    shadow_of,
    stable,
)


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


def test_a_versioned_oip_path_is_re_asked_unversioned(manifest: ModelManifest, artifacts_dir: Path) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, {"outputs": []}, seen))
    route = "/v2/models/{name}/versions/{version}/infer"
    observe(shadow, [{"outputs": [{"name": "label", "data": [0]}]}], route, {"name": "m", "version": "7"})
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


@pytest.mark.parametrize(
    "values",
    [
        {"shadow_timeout_s": "inf"},
        {"shadow_timeout_s": 61},
        {"shadow_model_ttl_s": "inf"},
        {"shadow_model_ttl_s": "nan"},
        {"shadow_stable_url": "http://user:secret@stable"},
        {"shadow_stable_url": "http://stable/?a=1"},
        {"shadow_stable_url": "http://stable/#top"},
    ],
    ids=["timeout-inf", "timeout-long", "ttl-inf", "ttl-nan", "credentials", "query", "fragment"],
)
def test_shadow_settings_are_finite_and_the_stable_url_plain(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ServerSettings(**{"shadow_stable_url": "http://stable", **values})


def test_rows_are_counted_not_requests(manifest: ModelManifest, artifacts_dir: Path) -> None:
    """Three rows of which the stable answers two alike: 3 compared, 2 agreeing."""
    mine = [own_answer(manifest, 0), own_answer(manifest, 1), own_answer(manifest, 0)]
    theirs = [own_answer(manifest, 0), own_answer(manifest, 1), own_answer(manifest, 1)]
    handler = stable(manifest, {"predictions": theirs}, [])
    shadow = shadow_of(manifest, artifacts_dir, handler)
    observe(shadow, [{"predictions": mine}])
    assert counted(shadow, "model_shadow_comparisons_total") == 3
    assert counted(shadow, "model_shadow_agreements_total") == 2


def test_a_label_the_model_cannot_give_is_unreadable_not_a_disagreement(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    if not manifest.classes:
        pytest.skip("a regressor's answers have no labels")
    for label in (None, {"a": 1}, "no such class"):
        shadow = shadow_of(manifest, artifacts_dir, stable(manifest, {"label": label}, []))
        observe(shadow, [own_answer(manifest)])
        assert counted(shadow, "model_shadow_skipped_total", reason="unreadable") == 1, label
        assert counted(shadow, "model_shadow_comparisons_total") == 0
    oip = {"outputs": [{"name": "label", "data": [len(manifest.classes)]}]}
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, oip, []))
    observe(shadow, [{"outputs": [{"name": "label", "data": [0]}]}], "/v2/models/{name}/infer", {"name": "m"})
    assert counted(shadow, "model_shadow_skipped_total", reason="unreadable") == 1


def test_a_stable_that_orders_the_classes_otherwise_is_compared_by_class(
    manifest: ModelManifest, artifacts_dir: Path
) -> None:
    """OIP answers carry class indices: the stable's are read against its own list of classes."""
    if not manifest.classes:
        pytest.skip("a regressor's answers have no classes")
    reordered = manifest.classes[::-1]
    theirs = {"outputs": [{"name": "label", "data": [len(reordered) - 1, 0]}]}
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, theirs, [], classes=reordered))
    mine = {"outputs": [{"name": "label", "data": [0, 0]}]}
    observe(shadow, [mine], "/v2/models/{name}/infer", {"name": "m"})
    assert counted(shadow, "model_shadow_comparable") == 1
    assert counted(shadow, "model_shadow_comparisons_total") == 2
    assert counted(shadow, "model_shadow_agreements_total") == 1


@pytest.mark.parametrize(
    "document",
    [["not", "an", "object"], {"onnx": {"sha256": "x"}}, {"task": "binary", "classes": {"a": 0}}],
    ids=["not-an-object", "no-task-or-classes", "classes-an-object"],
)
def test_a_malformed_model_document_is_the_stable_s_error_never_incomparable(
    manifest: ModelManifest, artifacts_dir: Path, document: Any
) -> None:
    async def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=document)

    shadow = shadow_of(manifest, artifacts_dir, handle)
    observe(shadow, [own_answer(manifest)] * 2)
    assert counted(shadow, "model_shadow_skipped_total", reason="stable_error") == 2
    assert counted(shadow, "model_shadow_skipped_total", reason="incomparable") == 0
    assert counted(shadow, "model_shadow_comparable") == 1


def test_the_binary_header_length_is_forwarded(manifest: ModelManifest, artifacts_dir: Path) -> None:
    seen: list[httpx.Request] = []
    shadow = shadow_of(manifest, artifacts_dir, stable(manifest, own_answer(manifest), seen))
    observe(shadow, [own_answer(manifest)], headers={**HEADERS, "inference-header-content-length": "12"})
    assert seen[0].headers["inference-header-content-length"] == "12"


def test_a_failed_model_read_is_remembered_for_a_while(manifest: ModelManifest, artifacts_dir: Path) -> None:
    reads: list[float] = []
    shadow = shadow_of(manifest, artifacts_dir, model_reads(manifest, reads, status=500))
    observe(shadow, [own_answer(manifest)] * 5)
    assert len(reads) == 1
    assert counted(shadow, "model_shadow_skipped_total", reason="stable_error") == 5


def test_the_model_document_is_read_again_once_stale(manifest: ModelManifest, artifacts_dir: Path) -> None:
    reads: list[float] = []
    shadow = shadow_of(manifest, artifacts_dir, model_reads(manifest, reads), shadow_model_ttl_s=0.05)

    async def run() -> None:
        for _ in range(2):
            shadow.observe("/predict", {}, BODY, HEADERS, json_reply(own_answer(manifest)))
            await asyncio.gather(*shadow.tasks)
            shadow.observe("/predict", {}, BODY, HEADERS, json_reply(own_answer(manifest)))
            await asyncio.gather(*shadow.tasks)
            await asyncio.sleep(0.1)
        await shadow.close()

    asyncio.run(run())
    assert len(reads) == 2
    assert counted(shadow, "model_shadow_comparisons_total") == 4
