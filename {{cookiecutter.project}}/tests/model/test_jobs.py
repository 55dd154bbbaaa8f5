"""The training Jobs' commands: `retrain` announces the candidate it registered; `tune` and `fetch` refuse
what cannot work before they read any data or reach any server."""

import argparse
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.model.jobs import add_job_commands

from .gates import untimed_config


def run_job(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_job_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_retrain_announces_the_version_it_registered_as_candidate(
    tracking_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, out = str(untimed_config(tmp_path)), str(tmp_path / "out")
    assert run_job("retrain", "--config", config, "--tracking-uri", tracking_uri, "--out", out) == 0
    assert "version 1 as @candidate (run " in capsys.readouterr().out


def test_a_tune_shard_needs_the_search_id_every_shard_shares(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="--trial needs --search"):
        run_job("tune", "--out", str(tmp_path), "--trial", "0/2")


def test_tune_needs_a_search_in_model_toml(tmp_path: Path) -> None:
    config = tmp_path / "model.toml"
    config.write_text('[train]\nestimator = "linear"\n')
    with pytest.raises(Failure, match=r"model\.toml has no \[train\.search\]: add one to tune"):
        run_job("tune", "--config", str(config), "--out", str(tmp_path / "o"))


def test_fetch_without_a_lock_says_make_model_trains_instead(tmp_path: Path) -> None:
    with pytest.raises(Failure, match=r"model\.lock: not found; without a lock, `make model` trains"):
        run_job("fetch", "--lock", str(tmp_path / "model.lock"), "--into", str(tmp_path / "a"))
