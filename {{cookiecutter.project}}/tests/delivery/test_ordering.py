"""An environment never moves back to an older commit by itself: a stale re-run, or an approval that
comes late, is refused, and ends green in the workflow (issue 18, item 2)."""

import argparse
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery.cli import add_delivery_commands
from {{ cookiecutter.package }}.delivery.ordering import Superseded
from {{ cookiecutter.package }}.errors import Failure

from ..branches import Branches
from ..repos import git


@pytest.mark.parametrize("env", ["staging", "production"])
def test_a_stale_rerun_cannot_move_an_environment_back(branches: Branches, env: str) -> None:
    """Run A promotes S1 and fails later (the registry is down), so its job is red and not rolled back.
    Run B promotes S2. Re-running A's failed jobs, with a reviewer's approval for production, publishes
    S1 again: without `git merge-base --is-ancestor` on the tip's Source-Commit, on top of S2."""
    first, second = branches.promotions[:2]
    for promotion in (first, second):
        branches.publish("staging", promotion)
        branches.publish("production", promotion)
    tip = git(branches.remote, "rev-parse", f"env/{env}")
    with pytest.raises(Superseded, match=f"superseded by {second.source}") as refused:
        branches.publish(env, first)
    assert refused.value.newer == second.source
    assert git(branches.remote, "rev-parse", f"env/{env}") == tip
    assert branches.trailer(env, "Source-Commit") == second.source


def test_going_back_on_purpose_takes_allow_older(branches: Branches) -> None:
    first, second = branches.promotions[:2]
    for promotion in (first, second, first):
        branches.publish("staging", promotion, allow_older=promotion is first)
    assert branches.trailer("staging", "Source-Commit") == first.source


def test_the_same_commit_built_again_is_not_older(branches: Branches) -> None:
    """A dispatch on an unchanged main builds a new digest of the same commit: it may replace the old."""
    first = branches.promotions[0]
    rebuilt = type(first)(first.source, branches.promotions[1].digest, first.model_sha256)
    branches.publish("staging", first)
    branches.publish("staging", rebuilt)
    assert branches.trailer("staging", "Image-Digest") == rebuilt.digest


def test_a_commit_off_the_history_is_refused(branches: Branches) -> None:
    """A commit neither before nor after the one the branch runs (main rewritten): no order to trust."""
    branches.publish("staging", branches.promotions[1])
    git(branches.repo, "checkout", "--quiet", "--orphan", "elsewhere")
    git(branches.repo, "commit", "--quiet", "--allow-empty", "-m", "unrelated")
    unrelated = type(branches.promotions[0])(
        git(branches.repo, "rev-parse", "HEAD"), branches.promotions[2].digest, "e" * 64
    )
    with pytest.raises(Failure, match="neither before nor after"):
        branches.publish("staging", unrelated)


def test_a_superseded_delivery_ends_green_saying_by_what(
    branches: Branches, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The workflow passes --skip-superseded: the run records superseded=<commit> for the steps and
    jobs after it to skip, says so in the run's summary, and exits 0 (issue 18, item 5)."""
    first, second = branches.promotions[:2]
    branches.publish("staging", second)
    rendered = branches.render(first)
    monkeypatch.chdir(branches.repo)
    record, summary = tmp_path / "output", tmp_path / "summary"
    parser = argparse.ArgumentParser()
    add_delivery_commands(parser.add_subparsers())
    argv = ["publish", "--env", "staging", "--from", str(rendered), "--source", first.source]
    argv += ["--digest", first.digest, "--model-sha256", first.model_sha256, "--skip-superseded"]
    args = parser.parse_args([*argv, "--record", str(record), "--summary", str(summary)])
    assert args.handler(args) == 0
    assert record.read_text() == f"superseded={second.source}\n"
    assert summary.read_text().startswith(f"**Superseded by {second.source}**")
    # Without the flag, a person running it by hand gets the refusal as an error.
    args = parser.parse_args(argv[:-1])
    with pytest.raises(Superseded):
        args.handler(args)
