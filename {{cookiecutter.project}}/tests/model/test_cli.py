"""The model commands as the CLI runs them: overrides of model.toml, and readable failures."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import CARD_FILE, GATE_FILE, read_manifest

from .. import PROJECT_DIR
from .gates import untimed_config

Command = Callable[..., int]
CONFIG = str(PROJECT_DIR / "model.toml")


@pytest.fixture
def untimed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """model.toml for commands whose test is not about speed: a loaded runner may miss 5 ms."""
    return str(untimed_config(tmp_path_factory.mktemp("config")))


def test_train_command_applies_overrides(
    run_command: Command, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "model.toml"
    config.write_text("[data]\nsource = 'breast_cancer'\n")
    argv = ["--config", str(config), "--data", "wine", "--seed", "3", "--out", str(tmp_path / "out")]
    assert run_command("train", *argv) == 0
    manifest = read_manifest(tmp_path / "out")
    assert (manifest.data_source, manifest.task) == ("wine", "multiclass")
    assert "trained linear on wine" in capsys.readouterr().out


def test_train_command_rejects_a_bad_override(run_command: Command, tmp_path: Path) -> None:
    config = tmp_path / "model.toml"
    config.write_text("")
    with pytest.raises(Failure, match=r"train\.seed"):
        run_command("train", "--config", str(config), "--seed", "-2", "--out", str(tmp_path))


def test_train_command_needs_an_existing_config(run_command: Command, tmp_path: Path) -> None:
    with pytest.raises(Failure, match="config file not found"):
        run_command("train", "--config", str(tmp_path / "absent.toml"), "--out", str(tmp_path))


def test_export_validate_and_card_commands_describe_what_they_wrote(
    run_command: Command, untimed: str, artifacts_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifacts = str(artifacts_copy)
    assert run_command("export", "--artifacts", artifacts, "--config", untimed) == 0
    assert "parity max abs diff" in capsys.readouterr().out
    assert run_command("validate", "--artifacts", artifacts, "--config", untimed) == 0
    assert "gate PASSED" in capsys.readouterr().out
    assert run_command("card", "--artifacts", artifacts) == 0
    assert capsys.readouterr().out == f"wrote {artifacts_copy / CARD_FILE}\n"
    assert (artifacts_copy / GATE_FILE).is_file()


@pytest.mark.parametrize(
    "argv", [["export", "--config", CONFIG], ["validate", "--config", CONFIG], ["card"]], ids=lambda a: a[0]
)
def test_commands_after_train_say_to_train_first(
    run_command: Command, tmp_path: Path, argv: list[str]
) -> None:
    with pytest.raises(Failure, match="run train first"):
        run_command(*argv, "--artifacts", str(tmp_path))


def test_train_command_says_which_columns_it_took_as_categories(
    run_command: Command, penguins_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "model.toml"
    config.write_text(f"[data]\nsource = '{penguins_csv}'\ntarget = 'species'\nexclude = ['year']\n")
    assert run_command("train", "--config", str(config), "--out", str(tmp_path / "out")) == 0
    out = capsys.readouterr().out
    assert "categorical features (string columns; set [data] categorical to choose): island, sex" in out


def test_another_estimator_does_not_inherit_the_params_of_model_toml(
    run_command: Command, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "model.toml"
    config.write_text(
        "[data]\nsource = 'wine'\n[train]\nestimator = 'random_forest'\n[train.params]\nmax_depth = 3\n"
    )
    argv = ["--config", str(config), "--estimator", "linear", "--out", str(tmp_path / "out")]
    assert run_command("train", *argv) == 0
    assert (
        "note: [train.params] are for random_forest; linear trains with its defaults"
        in capsys.readouterr().out
    )
    assert read_manifest(tmp_path / "out").estimator_class == "LogisticRegression"


def test_track_command_reports_the_run_and_the_version(
    run_command: Command,
    untimed: str,
    artifacts_copy: Path,
    tracking_uri: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    artifacts = ["--artifacts", str(artifacts_copy)]
    assert run_command("validate", *artifacts, "--config", untimed) == 0
    capsys.readouterr()
    assert run_command("track", *artifacts, "--tracking-uri", tracking_uri) == 0
    tracking = read_manifest(artifacts_copy).tracking
    assert tracking is not None
    assert capsys.readouterr().out.splitlines() == [
        f"recorded run {tracking.run_id} in experiment {tracking.experiment!r}",
        "registered version 1",
    ]
    champion = ["--champion", f"models:/{tracking.experiment}@production", "--tracking-uri", tracking_uri]
    assert run_command("validate", *artifacts, "--config", untimed, *champion) == 0


def test_validate_replaces_the_served_model_only_on_a_pass(
    run_command: Command,
    untimed: str,
    artifacts_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = tmp_path / "served"
    candidate = ["--artifacts", str(artifacts_copy), "--into", str(served)]
    assert run_command("validate", *candidate, "--config", untimed) == 0
    assert "accepted into" in capsys.readouterr().out
    version = read_manifest(served).version
    assert (served / GATE_FILE).is_file()
    slow = tmp_path / "slow.toml"
    slow.write_text("[gate]\nlatency_budget_ms = 1e-6\n")
    assert run_command("validate", *candidate, "--config", str(slow)) == 1
    assert f"not accepted: {served}/ keeps version {version}" in capsys.readouterr().out
    assert read_manifest(served).version == version
    assert json.loads((served / GATE_FILE).read_text())["passed"] is True


def test_a_failed_first_model_leaves_nothing_to_serve(
    run_command: Command, artifacts_copy: Path, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.toml"
    slow.write_text("[gate]\nlatency_budget_ms = 1e-6\n")
    argv = ["--artifacts", str(artifacts_copy), "--into", str(tmp_path / "served"), "--config", str(slow)]
    assert run_command("validate", *argv) == 1
    assert not (tmp_path / "served").exists()


def test_validate_compares_with_the_model_it_would_replace(
    run_command: Command,
    untimed: str,
    artifacts_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = tmp_path / "served"
    argv = ["--artifacts", str(artifacts_copy), "--into", str(served), "--config", untimed]
    assert run_command("validate", *argv) == 0
    assert "vs champion" not in capsys.readouterr().out
    assert run_command("validate", *argv) == 0
    assert "vs champion" in capsys.readouterr().out
    assert run_command("validate", *argv, "--champion", "none") == 0
    assert "vs champion" not in capsys.readouterr().out


def test_train_refuses_a_gate_metric_of_another_task_before_fitting(
    run_command: Command, tmp_path: Path
) -> None:
    config = tmp_path / "model.toml"
    config.write_text("[data]\nsource = 'diabetes'\n[gate]\nminimum = { recall = 0.5 }\n")
    with pytest.raises(Failure, match=r"minimum\.recall: 'recall' is not a metric of regression models"):
        run_command("train", "--config", str(config), "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_train_prints_the_baseline_and_the_decision_threshold(
    run_command: Command, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "model.toml"
    config.write_text("[data]\nsource = 'breast_cancer'\n[train]\ndecision_threshold = 0.3\n")
    assert run_command("train", "--config", str(config), "--out", str(tmp_path / "out")) == 0
    out = capsys.readouterr().out
    assert "  baseline  accuracy=" in out
    assert "labels 'benign' when its probability is at least 0.3" in out
