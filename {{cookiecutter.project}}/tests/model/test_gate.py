"""The validation gate passes a good model and fails each way a model can be unfit to ship."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import CliError
from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.config import GateConfig, ModelConfig
from {{ cookiecutter.package }}.model.gate import champion_checks, read_champion, run_gate


def failed_checks(artifacts: Path) -> list[str]:
    report = json.loads((artifacts / "gate.json").read_text())
    return [check["name"] for check in report["checks"] if not check["passed"]]


def test_good_model_passes_the_project_gate(
    artifacts_copy: Path, model_config: ModelConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_gate(artifacts_copy, model_config.gate) == 0
    assert failed_checks(artifacts_copy) == []
    output = capsys.readouterr().out
    assert "latency p99 ms" in output
    assert "FAIL" not in output


def test_impossible_threshold_fails(artifacts_copy: Path) -> None:
    metric = next(iter(read_manifest(artifacts_copy).metrics))
    assert run_gate(artifacts_copy, GateConfig(minimum={metric: 1e9})) == 1
    assert failed_checks(artifacts_copy) == [f"{metric} minimum"]


def test_metric_the_model_lacks_fails(artifacts_copy: Path) -> None:
    assert run_gate(artifacts_copy, GateConfig(maximum={"brier": 0.1})) == 1
    assert failed_checks(artifacts_copy) == ["brier maximum"]


def test_tampered_onnx_fails_the_checksum(artifacts_copy: Path) -> None:
    with (artifacts_copy / "model.onnx").open("ab") as model:
        model.write(b"\0")
    assert run_gate(artifacts_copy, GateConfig()) == 1
    assert failed_checks(artifacts_copy) == ["onnx sha256"]


def test_manifest_edited_after_export_fails_the_digest(artifacts_copy: Path) -> None:
    path = artifacts_copy / "manifest.json"
    path.write_text(path.read_text().replace('"target": "', '"target": "edited '))
    assert run_gate(artifacts_copy, GateConfig()) == 1
    assert failed_checks(artifacts_copy) == ["manifest digest"]


def test_latency_over_budget_fails(artifacts_copy: Path) -> None:
    assert run_gate(artifacts_copy, GateConfig(latency_budget_ms=1e-6)) == 1
    assert failed_checks(artifacts_copy) == ["latency p99 ms"]


def test_model_may_replace_an_equal_champion(artifacts_copy: Path) -> None:
    assert run_gate(artifacts_copy, GateConfig(), champion=str(artifacts_copy / "manifest.json")) == 0


def test_regression_against_a_better_champion_fails(artifacts_copy: Path, tmp_path: Path) -> None:
    metrics = read_manifest(artifacts_copy).metrics
    better = {
        name: value * 0.5 if name in {"log_loss", "rmse", "mae"} else value + 0.5
        for name, value in metrics.items()
    }
    champion = tmp_path / "metrics.json"
    champion.write_text(json.dumps(better))
    assert run_gate(artifacts_copy, GateConfig(), champion=str(champion)) == 1
    assert sorted(failed_checks(artifacts_copy)) == sorted(f"{name} vs champion" for name in metrics)


def test_champion_comparison_knows_which_way_is_better() -> None:
    champion = {"accuracy": 0.9, "rmse": 10.0}
    within = champion_checks({"accuracy": 0.89, "rmse": 10.1}, champion, tolerance=0.02)
    beyond = champion_checks({"accuracy": 0.85, "rmse": 11.0}, champion, tolerance=0.02)
    assert [check.passed for check in within] == [True, True]
    assert [check.passed for check in beyond] == [False, False]


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"metrics": {"accuracy": "high"}}'])
def test_unreadable_champion_is_reported(tmp_path: Path, content: str) -> None:
    path = tmp_path / "champion.json"
    path.write_text(content)
    with pytest.raises(CliError, match="champion"):
        read_champion(path)


def test_gate_without_export_fails(artifacts_copy: Path) -> None:
    manifest = read_manifest(artifacts_copy).model_copy(update={"onnx": None})
    (artifacts_copy / "manifest.json").write_text(manifest.model_dump_json())
    assert run_gate(artifacts_copy, GateConfig()) == 1
    assert failed_checks(artifacts_copy) == ["onnx exported"]
