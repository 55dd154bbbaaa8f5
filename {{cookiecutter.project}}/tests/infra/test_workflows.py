"""The GitHub workflows: lint-clean, and shaped as docs/delivery.md describes (graph, triggers, rights).

Rules of GitHub Actions cited below are from docs.github.com/en/actions/reference/workflows-and-actions:
workflow-syntax (concurrency, environments, permissions), contexts (steps) and deployments-and-environments.
"""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.kustomize import load_yaml

from .. import PROJECT_DIR

GITHUB = PROJECT_DIR / ".github"
WORKFLOWS = {path.stem: path for path in sorted((GITHUB / "workflows").glob("*.yml"))}
TOOLS = Path(sys.executable).parent
# A GitHub expression inside `run:` is pasted into the script before the shell sees it.
EXPRESSION = re.compile(r"\$\{\{")
APP_TOKEN = "actions/create-github-app-token@"
# The only commands that may see an App's token: they push to an env/ branch, or a proposal's branch.
PUSHING_COMMANDS = ("make publish ", "make rollback ", "make propose ")


def expression(text: str) -> str:
    """A GitHub expression as the workflow writes it (braces spelled out for cookiecutter's Jinja)."""
    return "$" + "{" * 2 + f" {text} " + "}" * 2


def load(name: str) -> dict[str, Any]:
    workflow: dict[Any, Any] = load_yaml(WORKFLOWS[name].read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job["steps"]]


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TOOLS / name), *args], capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_actionlint_reports_nothing() -> None:
    result = tool("actionlint", *map(str, WORKFLOWS.values()))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_zizmor_as_an_auditor_reports_nothing_of_medium_severity_or_more() -> None:
    """The auditor persona adds the audits that tolerate false positives; today's `secrets-outside-env`
    and `artipacked` findings (a repository-wide deploy key, persisted git credentials) would fail here."""
    result = tool(
        "zizmor",
        "--offline",
        "--no-progress",
        "--persona",
        "auditor",
        "--min-severity",
        "medium",
        str(PROJECT_DIR),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_request_runs_cancel_stale_ones() -> None:
    ci = load("ci")["concurrency"]
    assert "github.event_name == 'pull_request'" in ci["cancel-in-progress"]


def test_the_manual_load_test_can_only_load_staging() -> None:
    """A workflow_dispatch run has no approval, and a job naming the production environment would be
    handed the production App's key: production is never a target here (issue 18, item 10)."""
    loadtest = load("loadtest")
    # Comments aside, the workflow names production nowhere: no input, no environment, no URL.
    assert "production" not in yaml.safe_dump(loadtest)
    [job] = loadtest["jobs"].values()
    assert "environment" not in job
    [url] = [step["run"] for step in job["steps"] if "make --silent url" in step.get("run", "")]
    assert "ENV=staging" in url


def test_every_push_to_main_delivers_and_nothing_pushes_to_main() -> None:
    """Overlays are source now: a change to one must deliver like any other. The env/ branches are
    pushed with an App token, which starts no workflow on them (none listens)."""
    deliver, ci = load("deliver")["on"], load("ci")["on"]
    assert deliver["push"] == {"branches": ["main"]}
    # Required checks come from ci: a path filter there would leave them pending forever.
    assert all("paths" not in trigger and "paths-ignore" not in trigger for trigger in ci.values())
    for name in WORKFLOWS:
        for trigger in (load(name)["on"].get("push") or {},):
            assert not any(str(branch).startswith("env/") for branch in trigger.get("branches", []))
    for _, step in (pair for name in WORKFLOWS for pair in steps(load(name))):
        assert "git push" not in step.get("run", "")


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_tokens_start_with_no_rights_and_only_the_release_writes_contents(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        writes_contents = job["permissions"].get("contents") == "write"
        assert writes_contents == ((name, job_id) == ("deliver", "promote"))


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_no_checkout_keeps_git_credentials(name: str) -> None:
    for _, step in steps(load(name)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_secrets_live_in_environments_and_the_push_token_reaches_only_the_pushing_steps(name: str) -> None:
    """Environment secrets reach only jobs that reference the environment, after its protection rules
    pass (deployments-and-environments); a repository secret would reach any writer's branch workflow."""
    workflow = load(name)
    for job_id, job in workflow["jobs"].items():
        secrets = set(re.findall(r"secrets\.(\w+)", yaml.safe_dump(job))) - {"GITHUB_TOKEN"}
        assert not secrets or "environment" in job, (job_id, secrets)
        minted = {step["id"] for step in job["steps"] if str(step.get("uses", "")).startswith(APP_TOKEN)}
        for step in job["steps"]:
            used = {token for token in minted if f"steps.{token}.outputs.token" in yaml.safe_dump(step)}
            if used:
                assert step["run"].startswith(PUSHING_COMMANDS), (job_id, step)
                assert set(step["env"]) >= {"GIT_PUSH_TOKEN"}
    assert "DEPLOY_KEY" not in WORKFLOWS[name].read_text()


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


def test_previews_are_built_only_for_labelled_pull_requests_from_this_repository_at_their_head() -> None:
    """A pull_request run checks out the merge commit by default; the preview image must hold the head
    commit, which is what Argo CD renders from the pull request's branch."""
    ci = load("ci")
    assert "labeled" in ci["on"]["pull_request"]["types"]
    preview = ci["jobs"]["preview"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in preview["if"]
    assert "contains(github.event.pull_request.labels.*.name, 'preview')" in preview["if"]
    head = expression("github.event.pull_request.head.sha")
    [checkout] = [
        step for step in preview["steps"] if str(step.get("uses", "")).startswith("actions/checkout@")
    ]
    assert checkout["with"]["ref"] == head
    assert any(step.get("run") == "make shipped-model" for step in preview["steps"])
    assert not any("download-artifact" in str(step.get("uses", "")) for step in preview["steps"])
    [build] = [step for step in preview["steps"] if "build-push-action" in str(step.get("uses", ""))]
    assert build["with"]["tags"].endswith(f":{head}")
    assert f"GIT_REVISION={head}" in build["with"]["build-args"]


def test_setup_takes_python_from_the_python_version_file() -> None:
    action = yaml.safe_load((GITHUB / "actions" / "setup" / "action.yml").read_text())
    python = next(step for step in action["runs"]["steps"] if "setup-python" in step.get("uses", ""))
    assert python["with"] == {"python-version-file": ".python-version"}


def test_every_job_renders_with_the_one_pinned_kustomize() -> None:
    """Production is rendered weeks after staging, on whatever runner image GitHub ships then: the
    setup action installs one kustomize release, checked against its published sha256, ahead of the
    runner's own on the PATH (issue 18, item 9). Every job that renders or tests runs the setup."""
    action = yaml.safe_load((GITHUB / "actions" / "setup" / "action.yml").read_text())
    [install] = [step for step in action["runs"]["steps"] if step.get("name") == "install kustomize"]
    assert "if" not in install
    assert install["run"].splitlines()[0].startswith("make kustomize ")
    assert "/usr/local/bin/kustomize" in install["run"]
    script = (PROJECT_DIR / "scripts" / "install-kustomize.sh").read_text()
    assert re.search(r"^version=\d+\.\d+\.\d+$", script, re.MULTILINE)
    assert re.search(r"^sha256=[0-9a-f]{64}$", script, re.MULTILINE)
    assert script.index("sha256sum --check") < script.index("tar -xzf")
    for name in WORKFLOWS:
        for job_id, job in load(name)["jobs"].items():
            runs = " ".join(step.get("run", "") for step in job["steps"])
            if re.search(r"make (render|test|validate-manifests)\b", runs):
                assert any(step.get("uses") == "./.github/actions/setup" for step in job["steps"]), job_id


def test_a_retrain_checks_that_it_runs_on_main_s_newest_commit_before_it_trains() -> None:
    """A re-run checks out its first run's commit (GITHUB_SHA): `check-head` refuses it before `make
    retrain` could register that old code's model as the newest candidate (issue 22, attack M4)."""
    [job] = load("retrain")["jobs"].values()
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs.index("make check-head") < runs.index("make retrain")
    [checkout] = [step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0
