"""The repository rulesets: each env/ branch moves only with its own environment's App, and nobody
rewrites one (issue 18, item 3); `rulesets` writes them as the REST API takes them.

GitHub's rules cited: rulesets targeting one branch all apply and the most restrictive wins, a bypass
lifting only its own ruleset's rules ("About rulesets", "About rule layering"); "Restrict
creations/updates/deletions" let only bypass actors make that change, and "Require a pull request before
merging" refuses direct pushes ("Available rules for rulesets").
"""

import argparse
import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package }}.delivery.cli import add_delivery_commands
from {{ cookiecutter.package }}.delivery.rulesets import rulesets

APPS = {"staging": 101, "production": 202}
WRITER = 303
# The rules that stop each kind of change to a ref.
RESTRICTED_BY = {
    "create": {"creation"},
    "update": {"update", "pull_request"},
    "force-push": {"update", "non_fast_forward", "pull_request"},
    "delete": {"deletion"},
}


def applies(ruleset: dict[str, Any], ref: str) -> bool:
    condition = ruleset["conditions"]["ref_name"]
    patterns = [pattern.replace("~DEFAULT_BRANCH", "refs/heads/main") for pattern in condition["include"]]
    return any(fnmatch.fnmatchcase(ref, pattern) for pattern in patterns) and not any(
        fnmatch.fnmatchcase(ref, pattern) for pattern in condition["exclude"]
    )


def may(actor: int, change: str, ref: str, found: dict[str, dict[str, Any]]) -> bool:
    """Whether GitHub lets `actor` make `change` to `ref` under these rulesets, layered."""
    for ruleset in (ruleset for ruleset in found.values() if ruleset["enforcement"] == "active"):
        restricting = {rule["type"] for rule in ruleset["rules"]} & RESTRICTED_BY[change]
        bypass = {actor_["actor_id"] for actor_ in ruleset["bypass_actors"]}
        if applies(ruleset, ref) and restricting and actor not in bypass:
            return False
    return True


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
