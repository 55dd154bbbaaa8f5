"""The GitHub workflows: lint-clean, and shaped as docs/delivery.md describes (graph, triggers, rights)."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .. import PROJECT_DIR

GITHUB = PROJECT_DIR / ".github"
WORKFLOWS = {path.stem: path for path in sorted((GITHUB / "workflows").glob("*.yml"))}
TOOLS = Path(sys.executable).parent
# Jobs that commit to an overlay; the only ones allowed to keep git credentials or write contents.
PUSHING_JOBS = {"staging", "canary", "rollback"}
# A GitHub expression inside `run:` is pasted into the script before the shell sees it.
EXPRESSION = re.compile(r"\$\{\{")


def load(name: str) -> dict[str, Any]:
    workflow: dict[Any, Any] = yaml.safe_load(WORKFLOWS[name].read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job["steps"]]


@pytest.mark.slow
def test_actionlint_reports_nothing() -> None:
    result = subprocess.run(
        [str(TOOLS / "actionlint"), *map(str, WORKFLOWS.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_zizmor_offline_reports_nothing() -> None:
    result = subprocess.run(
        [str(TOOLS / "zizmor"), "--offline", "--no-progress", str(PROJECT_DIR)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deliver_runs_its_stages_in_order() -> None:
    needs = {job_id: job.get("needs", []) for job_id, job in load("deliver")["jobs"].items()}
    assert needs == {
        "test": [],
        "build": ["test"],
        "staging": ["build"],
        "verify": ["staging"],
        "canary": ["build", "verify"],
        "promote": ["canary"],
        "rollback": ["canary", "promote"],
    }


def test_production_waits_for_approval_and_rolls_back_only_what_it_pinned() -> None:
    jobs = load("deliver")["jobs"]
    assert {job_id: job.get("environment") for job_id, job in jobs.items() if "environment" in job} == {
        "staging": "staging",
        "canary": "production",
    }
    assert jobs["rollback"]["if"] == "failure() && needs.canary.result == 'success'"


def test_delivery_commits_do_not_start_another_delivery_but_ci_always_reports() -> None:
    deliver, ci = load("deliver")["on"], load("ci")["on"]
    assert deliver["push"] == {"branches": ["main"], "paths-ignore": ["k8s/overlays/**"]}
    # Required checks come from ci: a path filter there would leave them pending forever.
    assert all("paths" not in trigger and "paths-ignore" not in trigger for trigger in ci.values())
    assert set(ci) == {"pull_request", "push"}


def test_deliveries_queue_and_pull_request_runs_cancel_stale_ones() -> None:
    deliver, ci = load("deliver")["concurrency"], load("ci")["concurrency"]
    assert deliver["group"].startswith("deliver-")
    assert deliver["cancel-in-progress"] is False
    assert "github.event_name == 'pull_request'" in ci["cancel-in-progress"]
    assert load("loadtest")["concurrency"]["group"].startswith("loadtest-")


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_tokens_start_with_no_rights_and_only_pushing_jobs_may_write_contents(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        writes_contents = job["permissions"].get("contents") == "write"
        assert writes_contents == (job_id in PUSHING_JOBS or (name, job_id) == ("deliver", "promote"))


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_only_pushing_jobs_keep_git_credentials(name: str) -> None:
    for job_id, step in steps(load(name)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is (name == "deliver" and job_id in PUSHING_JOBS)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_run_steps_are_short_and_take_untrusted_values_from_the_environment(name: str) -> None:
    makefile_targets = set(re.findall(r"^([a-z-]+):", (PROJECT_DIR / "Makefile").read_text(), re.MULTILINE))
    for _, step in steps(load(name)):
        if "run" not in step:
            continue
        assert not EXPRESSION.search(step["run"]), step["run"]
        assert len(step["run"].strip().splitlines()) <= 3
        for target in re.findall(r"\bmake (?:--silent )?([a-z-]+)", step["run"]):
            assert target in makefile_targets


def test_actions_are_pinned_to_full_commit_shas_with_their_version() -> None:
    files = [*WORKFLOWS.values(), GITHUB / "actions" / "setup" / "action.yml"]
    uses = [
        line.split("uses:", 1)[1].strip()
        for path in files
        for line in path.read_text().splitlines()
        if "uses:" in line
    ]
    remote = [use for use in uses if not use.startswith("./")]
    assert remote
    for use in remote:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", use), use


def test_previews_are_built_only_for_labelled_pull_requests_from_this_repository() -> None:
    ci = load("ci")
    assert "labeled" in ci["on"]["pull_request"]["types"]
    condition = ci["jobs"]["preview"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "contains(github.event.pull_request.labels.*.name, 'preview')" in condition


def test_setup_takes_python_from_the_python_version_file() -> None:
    action = yaml.safe_load((GITHUB / "actions" / "setup" / "action.yml").read_text())
    python = next(step for step in action["runs"]["steps"] if "setup-python" in step.get("uses", ""))
    assert python["with"] == {"python-version-file": ".python-version"}
