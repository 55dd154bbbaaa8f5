"""The model manifest and the gate report: each survives its file; a missing one says what to run."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import (
    GATE_FILE,
    MANIFEST_FILE,
    CheckKind,
    GateCheck,
    GateReport,
    ModelManifest,
    Shadow,
    category_text,
    duration_seconds,
    manifest_digest,
    read_gate,
    read_manifest,
    require_manifest,
    write_manifest,
)
from {{ cookiecutter.package }}.model.config import ModelConfig


def test_manifest_reads_back_as_written(manifest: ModelManifest, tmp_path: Path) -> None:
    assert write_manifest(tmp_path, manifest) == tmp_path / MANIFEST_FILE
    assert read_manifest(tmp_path) == manifest


def test_the_shadow_thresholds_travel_with_the_model(
    manifest: ModelManifest, model_config: ModelConfig
) -> None:
    assert manifest.shadow == model_config.shadow


def test_a_manifest_written_before_the_shadow_stage_takes_its_defaults(manifest: ModelManifest) -> None:
    document = manifest.model_dump(mode="json", exclude={"shadow"})
    assert ModelManifest.model_validate(document).shadow == Shadow()


def test_the_experiment_plan_travels_with_the_model_its_metric_decided(
    manifest: ModelManifest, model_config: ModelConfig
) -> None:
    assert manifest.experiment == model_config.experiment.for_task(manifest.task)
    assert manifest.experiment.metric == ("mae" if manifest.task == "regression" else "accuracy")


@pytest.mark.parametrize(
    ("text", "seconds"), [("7d", 604800), ("1h30m", 5400), ("45s", 45), ("", None), ("1m1h", None)]
)
def test_durations_are_read_in_units_d_h_m_s(text: str, seconds: int | None) -> None:
    assert duration_seconds(text) == seconds


def test_missing_manifest_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(Failure, match=r"no manifest\.json; run train first"):
        require_manifest(tmp_path)


def test_digest_covers_every_field_the_model_sha_included(manifest: ModelManifest, tmp_path: Path) -> None:
    write_manifest(tmp_path, manifest)
    document = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert document["digest"] == manifest_digest(document)
    swapped = {**document, "classes": list(reversed(document["classes"] or ["a", "b"]))}
    other_model = {**document, "onnx": {**document["onnx"], "sha256": "0" * 64}}
    assert manifest_digest(swapped) != document["digest"]
    assert manifest_digest(other_model) != document["digest"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2, "2"),
        (2.0, "2"),
        (np.int64(2), "2"),
        (np.float32(2.0), "2"),
        (2.5, "2.5"),
        ("2.0", "2.0"),
        ("Bad", "Bad"),
        (True, "True"),
        (None, ""),
        (math.nan, ""),
    ],
)
def test_a_category_is_the_text_training_gave_it(value: object, text: str) -> None:
    """The one rule for training and serving alike: an integer code is its digits."""
    assert category_text(value) == text


def gate_report() -> GateReport:
    checks = [
        GateCheck(kind=CheckKind.VS_BASELINE, metric="accuracy", value=0.9, threshold=">= 0.6", passed=True),
        GateCheck(kind=CheckKind.ONNX_SHA256, value=None, threshold="matches manifest", passed=True),
        GateCheck(kind=CheckKind.LATENCY_P99_MS, value=7.5, threshold="<= 5", passed=False),
    ]
    return GateReport(passed=False, checks=checks)


def test_gate_report_reads_back_as_written(tmp_path: Path) -> None:
    report = gate_report()
    (tmp_path / GATE_FILE).write_text(report.model_dump_json())
    assert read_gate(tmp_path) == report


def test_gate_json_keeps_each_check_s_label_beside_its_kind(tmp_path: Path) -> None:
    """Readers of the file (and of older files) find a check's label under "name"."""
    document = json.loads(gate_report().model_dump_json())
    assert [check["name"] for check in document["checks"]] == [
        "accuracy vs baseline",
        "onnx sha256",
        "latency p99 ms",
    ]
    assert [check["kind"] for check in document["checks"]] == ["vs_baseline", "onnx_sha256", "latency_p99_ms"]


def test_a_check_is_found_by_its_kind_and_metric() -> None:
    report = gate_report()
    latency = report.find(CheckKind.LATENCY_P99_MS)
    assert latency is not None
    assert latency.value == 7.5
    assert report.find(CheckKind.VS_BASELINE, "accuracy") is report.checks[0]
    assert report.find(CheckKind.VS_BASELINE) is None
    assert report.find(CheckKind.VS_CHAMPION, "accuracy") is None


def test_no_gate_report_before_validate(tmp_path: Path) -> None:
    assert read_gate(tmp_path) is None


def test_a_gate_json_that_is_no_report_says_to_validate_again(tmp_path: Path) -> None:
    (tmp_path / GATE_FILE).write_text('{"passed": true, "checks": [{"name": "latency p99 ms"}]}')
    with pytest.raises(Failure, match=r"gate\.json: not a gate report \(4 errors\); validate again"):
        read_gate(tmp_path)
