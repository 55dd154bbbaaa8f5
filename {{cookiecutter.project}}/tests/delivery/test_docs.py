"""What the delivery docs must tell a user, for the parts no test of code or manifest can show."""

import json
import re

import pytest

from .. import PROJECT_DIR

DOCS = PROJECT_DIR / "docs"
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
    assert "Without required reviewers, the canary job starts as soon as `verify` passes" in delivery


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
