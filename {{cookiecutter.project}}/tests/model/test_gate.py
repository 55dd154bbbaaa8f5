"""The validation gate passes a good model and fails each way a model can be unfit to ship."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import read_manifest, write_manifest
from {{ cookiecutter.package }}.model.config import GateConfig, ModelConfig
from {{ cookiecutter.package }}.model.gate import baseline_checks, run_gate
from {{ cookiecutter.package }}.model.metrics import (
    DEFAULT_SKILL,
    LOWER_IS_BETTER,
    TASK_METRICS,
)

from .gates import untimed_gate


def failed_checks(artifacts: Path) -> list[str]:
    report = json.loads((artifacts / "gate.json").read_text())
    return [check["name"] for check in report["checks"] if not check["passed"]]


def test_good_model_passes_the_project_gate(
    artifacts_copy: Path, model_config: ModelConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_gate(artifacts_copy, untimed_gate(model_config.gate)) == 0
    assert failed_checks(artifacts_copy) == []
    output = capsys.readouterr().out
    assert "latency p99 ms" in output
    assert "FAIL" not in output


def test_default_gate_beats_the_baseline_and_says_where_its_numbers_come_from(
    artifacts_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task = read_manifest(artifacts_copy).task
    assert run_gate(artifacts_copy, untimed_gate()) == 0
    output = capsys.readouterr().out
    assert f"the template's default for {task} models" in output.splitlines()[0]
    assert all(f"{name} vs baseline" in output for name in DEFAULT_SKILL[task])


def test_a_model_no_better_than_its_baseline_fails(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    idle = manifest.model_copy(update={"metrics": manifest.baseline})
    checks = baseline_checks(idle, DEFAULT_SKILL[manifest.task])
    assert checks
    assert not any(check.passed for check in checks)


def test_skill_is_the_share_of_the_way_to_a_perfect_score(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    name = next(iter(DEFAULT_SKILL[manifest.task]))
    base = manifest.baseline[name]
    perfect = 0.0 if name in LOWER_IS_BETTER else 1.0
    # A model halfway from the baseline to a perfect score, whatever the real model reached (which may
    # be perfect, leaving no higher skill to fail).
    halfway = manifest.model_copy(update={"metrics": {**manifest.metrics, name: (base + perfect) / 2}})
    assert baseline_checks(halfway, {name: 0.49})[0].passed
    assert not baseline_checks(halfway, {name: 0.51})[0].passed


def test_impossible_threshold_fails(artifacts_copy: Path) -> None:
    metric = next(iter(read_manifest(artifacts_copy).metrics))
    assert run_gate(artifacts_copy, untimed_gate(minimum={metric: 1e9})) == 1
    assert failed_checks(artifacts_copy) == [f"{metric} minimum"]


def test_a_metric_of_another_task_is_refused_with_the_task_s_metrics(artifacts_copy: Path) -> None:
    task = read_manifest(artifacts_copy).task
    other = "rmse" if task != "regression" else "recall"
    with pytest.raises(Failure, match=rf"\[gate\] maximum\.{other}: '{other}' is not a metric of {task}"):
        run_gate(artifacts_copy, untimed_gate(maximum={other: 0.1}))
    assert not (artifacts_copy / "gate.json").exists()


def test_a_model_without_a_recorded_baseline_fails(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    write_manifest(artifacts_copy, manifest.model_copy(update={"baseline": {}}))
    assert run_gate(artifacts_copy, untimed_gate()) == 1
    assert failed_checks(artifacts_copy) == [f"{name} vs baseline" for name in DEFAULT_SKILL[manifest.task]]


def test_tampered_onnx_fails_the_checksum(artifacts_copy: Path) -> None:
    with (artifacts_copy / "model.onnx").open("ab") as model:
        model.write(b"\0")
    assert run_gate(artifacts_copy, untimed_gate()) == 1
    assert failed_checks(artifacts_copy) == ["onnx sha256"]


def test_manifest_edited_after_export_fails_the_digest(artifacts_copy: Path) -> None:
    path = artifacts_copy / "manifest.json"
    path.write_text(path.read_text().replace('"target": "', '"target": "edited '))
    assert run_gate(artifacts_copy, untimed_gate()) == 1
    assert failed_checks(artifacts_copy) == ["manifest digest"]


def test_latency_over_budget_fails(artifacts_copy: Path) -> None:
    assert run_gate(artifacts_copy, GateConfig(latency_budget_ms=1e-6)) == 1
    assert failed_checks(artifacts_copy) == ["latency p99 ms"]


def test_gate_without_export_fails(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy).model_copy(update={"onnx": None})
    (artifacts_copy / "manifest.json").write_text(manifest.model_dump_json())
    assert run_gate(artifacts_copy, untimed_gate()) == 1
    assert failed_checks(artifacts_copy) == ["onnx exported"]


def test_every_metric_of_the_task_is_recorded_with_its_baseline(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy)
    assert list(manifest.metrics) == list(TASK_METRICS[manifest.task])
    assert list(manifest.baseline) == list(manifest.metrics)
