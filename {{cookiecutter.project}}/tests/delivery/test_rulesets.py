"""The repository rulesets: each env/ branch moves only with its own environment's App, and nobody
rewrites one (issue 18, item 3); `rulesets` writes them as the REST API takes them. GitHub's rules are
modelled, with their sources, in tests/github_rulesets.py."""

import argparse
import json
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery.cli import add_delivery_commands
from {{ cookiecutter.package }}.delivery.rulesets import rulesets

from ..github_rulesets import APPS, WRITER, may


def test_only_each_environments_app_can_move_its_branch_and_nobody_rewrites_one() -> None:
    found = rulesets(APPS)
    for env, app in APPS.items():
        other = next(name for name in APPS if name != env)
        ref = f"refs/heads/env/{env}"
        assert may(app, "create", ref, found)
        assert may(app, "update", ref, found)
        # The staging job's token cannot move production, nor the production job's staging.
        assert not may(APPS[other], "update", ref, found)
        assert not may(APPS[other], "create", ref, found)
        assert not may(WRITER, "update", ref, found)
        for actor in (*APPS.values(), WRITER):
            assert not may(actor, "force-push", ref, found)
            assert not may(actor, "delete", ref, found)
            assert not may(actor, "update", "refs/heads/main", found)


def test_the_rulesets_command_writes_one_json_file_per_ruleset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_delivery_commands(parser.add_subparsers())
    args = parser.parse_args(
        ["rulesets", "--staging-app-id", "101", "--production-app-id", "202", "--out", str(tmp_path)]
    )
    assert args.handler(args) == 0
    written = {path.stem: json.loads(path.read_text()) for path in tmp_path.glob("*.json")}
    assert written == rulesets(APPS)
    assert capsys.readouterr().out.count(".json\n") == len(written)
