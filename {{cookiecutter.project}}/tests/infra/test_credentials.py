"""One credential per environment: env/production moves only with the production App's key, which only
the job behind the production approval can read (issue 18, item 3).

GitHub's rules cited: an environment's secrets reach only jobs that name it, once its protection rules
pass (docs.github.com, "Deployments and environments"); rulesets targeting one branch all apply and
the most restrictive wins (tests/github_rulesets.py models them).
"""

import re
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.rulesets import CREDENTIALS, REQUIRED_CHECKS, rulesets

from ..github_rulesets import APPS, may
from .test_workflows import WORKFLOWS, expression, load

RETRAIN_APP = 404


def environment_of(job: dict[str, Any]) -> str | None:
    environment = job.get("environment")
    return environment.get("name") if isinstance(environment, dict) else environment


def credential_names(job: dict[str, Any]) -> set[str]:
    text = yaml.safe_dump(job)
    return set(re.findall(r"(?:secrets|vars)\.(\w+_APP_(?:PRIVATE_KEY|CLIENT_ID))", text))


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_each_app_key_reaches_only_the_jobs_of_its_own_environment(name: str) -> None:
    for job_id, job in load(name)["jobs"].items():
        env = environment_of(job)
        allowed = set(CREDENTIALS[env]) if env in CREDENTIALS else set()
        assert credential_names(job) <= allowed, (name, job_id)


def test_each_pushing_job_mints_its_token_from_its_own_environments_app() -> None:
    jobs = load("deliver")["jobs"]
    minted = {}
    for job_id, job in jobs.items():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/create-github-app-token@"):
                client, key = CREDENTIALS[str(environment_of(job))]
                assert step["with"]["client-id"] == expression(f"vars.{client}")
                assert step["with"]["private-key"] == expression(f"secrets.{key}")
                minted[job_id] = environment_of(job)
    assert minted == {"staging": "staging", "canary": "production"}


def test_main_takes_only_pull_requests_that_its_code_owners_approved_and_ci_passed() -> None:
    main = rulesets(APPS)["main"]
    assert main["bypass_actors"] == []
    rules = {rule["type"]: rule.get("parameters", {}) for rule in main["rules"]}
    assert rules["pull_request"]["require_code_owner_review"] is True
    assert rules["pull_request"]["required_approving_review_count"] >= 1
    checks = {check["context"] for check in rules["required_status_checks"]["required_status_checks"]}
    # A required check no job reports would leave every pull request pending for ever.
    assert checks == set(REQUIRED_CHECKS) <= set(load("ci")["jobs"])


def test_the_retrain_app_can_propose_a_model_but_neither_merge_it_nor_deploy_it() -> None:
    """Its pull request goes through main's review and checks like anyone's: main's ruleset has no
    bypass, and only each environment's App moves its branch (issue 22)."""
    found = rulesets(APPS)
    assert may(RETRAIN_APP, "create", "refs/heads/retrain/ml-service-v8", found)
    assert not may(RETRAIN_APP, "update", "refs/heads/main", found)
    for env in APPS:
        assert not may(RETRAIN_APP, "update", f"refs/heads/env/{env}", found)
        assert not may(RETRAIN_APP, "create", f"refs/heads/env/{env}", found)
    [job] = load("retrain")["jobs"].values()
    assert environment_of(job) == "training"
    [token] = [
        step
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/create-github-app-token@")
    ]
    assert token["with"]["client-id"] == expression("vars.RETRAIN_APP_CLIENT_ID")
    assert set(token["with"]) - {"client-id", "private-key"} == {
        "permission-contents",
        "permission-pull-requests",
    }
