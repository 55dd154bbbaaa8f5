"""What the delivery docs must tell a user, for the parts no test of code or manifest can show."""

import json
import re

import pytest

from .. import PROJECT_DIR

DOCS = PROJECT_DIR / "docs"
# Where the tests a guarantee names live: the delivery's own, these, and the model's (for fetch).
TEST_DIRS = [PROJECT_DIR / "tests" / area for area in ("delivery", "infra", "model")]
TEST_REFERENCE = re.compile(r"`(test_\w+\.py)::(test_\w+)`")
ANSWERS = json.loads((PROJECT_DIR / ".cruft.json").read_text())["context"]["cookiecutter"]


def text(name: str) -> str:
    """The document with its line breaks folded, so a statement may wrap anywhere."""
    return re.sub(r"\s+", " ", (DOCS / name).read_text())


def test_delivery_says_which_plans_offer_required_reviewers_and_what_protects_production_otherwise() -> None:
    """docs.github.com deployments-and-environments: on Free, Pro and Team, required reviewers are
    available for public repositories only."""
    delivery = text("delivery.md")
    assert "required reviewers** (and wait timers) work only in public repositories" in delivery
    assert "a private repository needs GitHub Enterprise for them" in delivery
    assert "Without required reviewers, the canary job starts as soon as the `staging` job passes" in delivery


def test_delivery_says_why_branches_rendered_by_the_workflow_and_not_the_source_hydrator() -> None:
    """argo-cd v3.5.1 docs/user-guide/source-hydrator.md: beta since 3.5.0, push credentials in the
    cluster (a repository-write Secret), promotion between hydrated branches left to other tooling."""
    delivery = text("delivery.md")
    assert "beta feature since Argo CD 3.5.0" in delivery
    assert "`repository-write` Secret" in delivery
    assert "We chose it for those reasons" in delivery


@pytest.mark.skipif(not ANSWERS["include_preview"], reason="the project was baked without previews")
def test_deploy_says_how_to_give_the_preview_generator_its_token_and_why() -> None:
    """GitHub's REST rate limits: 60 requests an hour per IP unauthenticated, 5,000 with a token;
    argo-cd v3.5.1 applicationset/utils/kubernetes.go:18-44 reads the Secret from the ApplicationSet's
    namespace and, in strict mode, wants the scm-creds label."""
    deploy = text("deploy.md")
    project = ANSWERS["project"]
    assert (
        f"kubectl create secret generic {project}-github-token -n argocd --from-literal=token=<token>"
        in deploy
    )
    assert "argocd.argoproj.io/secret-type=scm-creds" in deploy
    assert "60 requests an hour per IP address" in deploy


@pytest.mark.skipif(not ANSWERS["include_preview"], reason="the project was baked without previews")
def test_deploy_names_the_certificate_previews_need() -> None:
    deploy = text("deploy.md")
    assert f"wildcard certificate for `*.{ANSWERS['staging_host']}`" in deploy
    assert "only through the DNS-01 challenge" in deploy


def test_every_guarantee_names_the_sequence_it_survives_and_tests_that_exist() -> None:
    """Issue 18: each guarantee gets a line under "What the delivery guarantees", with the sequence
    it survives and the test that shows it; a renamed or deleted test fails here."""
    section = (DOCS / "delivery.md").read_text().split("## What the delivery guarantees")[1].split("\n## ")[0]
    rows = [
        line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Guarantee")
    ]
    assert len(rows) >= 10
    for row in rows:
        guarantee, sequence, fence, tests = (cell.strip() for cell in row.strip("|").split(" | "))
        assert all((guarantee, sequence, fence)), row
        references = TEST_REFERENCE.findall(tests)
        assert references, row
        for module, test in references:
            [path] = [found for directory in TEST_DIRS for found in directory.glob(module)]
            assert re.search(rf"^def {test}\(", path.read_text(), re.MULTILINE), (module, test)


def test_delivery_says_how_to_create_the_rulesets_and_the_per_environment_credentials() -> None:
    delivery = text("delivery.md")
    assert "make rulesets STAGING_APP_ID=" in delivery
    for name in (
        "STAGING_APP_CLIENT_ID",
        "STAGING_APP_PRIVATE_KEY",
        "PRODUCTION_APP_CLIENT_ID",
        "PRODUCTION_APP_PRIVATE_KEY",
    ):
        assert f"`{name}`" in delivery
    assert f"{ANSWERS['project']}-production-approvers" in delivery
