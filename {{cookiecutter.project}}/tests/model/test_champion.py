"""The champion check: no metric may get worse than the model being replaced, beyond the tolerance."""

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import read_manifest
from {{ cookiecutter.package }}.model.champion import champion_checks, read_champion
from {{ cookiecutter.package }}.model.gate import run_gate
from {{ cookiecutter.package }}.model.metrics import LOWER_IS_BETTER

from .gates import untimed_gate
from .test_gate import failed_checks


def test_model_may_replace_an_equal_champion(artifacts_copy: Path) -> None:
    assert run_gate(artifacts_copy, untimed_gate(), champion=str(artifacts_copy / "manifest.json")) == 0


def test_regression_against_a_better_champion_fails(artifacts_copy: Path, tmp_path: Path) -> None:
    metrics = read_manifest(artifacts_copy).metrics
    better = {
        name: value * 0.5 if name in LOWER_IS_BETTER else value + 0.5 for name, value in metrics.items()
    }
    champion = tmp_path / "metrics.json"
    champion.write_text(json.dumps(better))
    assert run_gate(artifacts_copy, untimed_gate(), champion=str(champion)) == 1
    assert sorted(failed_checks(artifacts_copy)) == sorted(f"{name} vs champion" for name in metrics)


def test_a_champion_predicting_another_target_is_not_compared(
    artifacts_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads((artifacts_copy / "manifest.json").read_text())
    better = {
        name: value * 0.5 if name in LOWER_IS_BETTER else 2.0 for name, value in document["metrics"].items()
    }
    champion = tmp_path / "manifest.json"
    other = f"not_{document['target']}"
    champion.write_text(json.dumps({**document, "target": other, "metrics": better}))
    assert run_gate(artifacts_copy, untimed_gate(), champion=str(champion)) == 0
    assert f"has target '{other}'" in capsys.readouterr().out


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
    with pytest.raises(Failure, match="champion"):
        read_champion(path)
