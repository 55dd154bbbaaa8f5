"""The opt-in admission policy: only images the deliver workflow signed on main may run."""

import re
from pathlib import Path

import pytest

from .. import PROJECT_DIR
from .k8s import CrdSchemas, K8sObject, describe, render, with_typo

POLICY_DIR = PROJECT_DIR / "k8s" / "policy"
ISSUER = "https://token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def policy() -> K8sObject:
    [found] = render(POLICY_DIR)
    return found


def identity(policy: K8sObject) -> dict[str, str]:
    [authority] = policy["spec"]["authorities"]
    [found] = authority["keyless"]["identities"]
    return dict(found)


def owner_and_repo() -> tuple[str, str]:
    """ghcr.io/<owner>/<project>, as the policy's image glob names it."""
    image = (
        Path(PROJECT_DIR / "k8s" / "base" / "deployment.yaml").read_text().split("image: ", 1)[1].split()[0]
    )
    _, owner, repo = image.split("/")
    return owner, repo


def test_the_policy_fits_its_crd_and_a_typo_fails(policy: K8sObject, crd_schemas: CrdSchemas) -> None:
    assert crd_schemas.errors(policy) == []
    assert crd_schemas.errors(with_typo(policy)), describe(policy)


def test_the_policy_covers_every_image_of_the_project(policy: K8sObject) -> None:
    owner, repo = owner_and_repo()
    [image] = policy["spec"]["images"]
    assert image["glob"] == f"ghcr.io/{owner}/{repo}**"


def test_only_deliver_on_main_of_this_repository_matches_the_signing_identity(policy: K8sObject) -> None:
    """Fulcio puts `https://github.com/{job_workflow_ref}` in the certificate of a GitHub Actions job
    (sigstore/fulcio docs/oidc.md, "GitHub"); GitHub keeps the owner's own case there."""
    owner, repo = owner_and_repo()
    found = identity(policy)
    assert found["issuer"] == ISSUER
    pattern = re.compile(found["subjectRegExp"])
    signed = f"https://github.com/{owner}/{repo}/.github/workflows/deliver.yml@refs/heads/main"
    assert pattern.fullmatch(signed)
    assert pattern.fullmatch(signed.replace(owner, owner.upper(), 1))
    for other in (
        signed.replace("refs/heads/main", "refs/heads/feature"),
        signed.replace("refs/heads/main", "refs/pull/1/merge"),
        signed.replace("refs/heads/main", "refs/heads/main-hotfix"),
        signed.replace("deliver.yml", "ci.yml"),
        signed.replace(f"/{repo}/", f"/{repo}-fork/"),
        signed.replace("github.com", "github.com.evil.example"),
    ):
        assert not pattern.fullmatch(other), other


def test_the_documented_cosign_command_pins_the_same_identity() -> None:
    owner, repo = owner_and_repo()
    docs = (PROJECT_DIR / "docs" / "delivery.md").read_text()
    signed = f"https://github.com/{owner}/{repo}/.github/workflows/deliver.yml@refs/heads/main"
    assert f"--certificate-identity {signed}" in docs
    assert f"--certificate-oidc-issuer {ISSUER}" in docs
    assert "--certificate-identity-regexp" not in docs
