"""The production approvers own what reaches production without a canary: argocd/, the production
overlay, the workflows that hold the delivery credentials (issue 18, item 4), model.lock and the code
that enforces it, and the training component (issue 22).

CODEOWNERS follows gitignore's patterns, and the last pattern that matches a path decides its owners
(docs.github.com, "About code owners", "CODEOWNERS syntax"); the main ruleset requires a code owner's
review (test_credentials.py).
"""

import re

import pytest

from .. import PROJECT_DIR
from .k8s import PROJECT

CODEOWNERS = PROJECT_DIR / ".github" / "CODEOWNERS"
OWNED = [
    "argocd/production.yaml",
    "argocd/staging.yaml",
    # A file a pull request adds: the bootstrap app would sync it.
    "argocd/anything-new.yaml",
    "k8s/overlays/production/kustomization.yaml",
    "k8s/overlays/production/rollout.yaml",
    # What production serves once deliver builds it: merging a retrain pull request is their decision.
    "model.lock",
    ".github/workflows/deliver.yml",
    ".github/actions/setup/action.yml",
    ".github/CODEOWNERS",
    ".github/workflows/retrain.yml",
    # What enforces model.lock: a pull request that changed it could ship an unpinned model while the lock
    # still reads the same (issue 22, attack M2).
    "Makefile",
    "Dockerfile",
    ".dockerignore",
    "scripts/build-image.sh",
    "scripts/open-pull-request.sh",
    "src/{{ cookiecutter.package }}/lock.py",
    "src/{{ cookiecutter.package }}/pinned.py",
    "src/{{ cookiecutter.package }}/registry.py",
    "src/{{ cookiecutter.package }}/model/fetch.py",
    # The training Jobs, their service account (the data's role) and their egress.
    "k8s/components/training/kustomization.yaml",
    "k8s/components/training/serviceaccount.yaml",
    # The A/B stage and the verdict that promotes a challenger with no person looking (issue 21, attack).
    "k8s/components/experiment/analysistemplate.yaml",
    "src/{{ cookiecutter.package }}/experiment/decision.py",
]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A CODEOWNERS pattern as gitignore reads it: `/` anchors it at the root, a trailing `/` means
    everything below, `*` stays within one directory and `**` crosses them."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = re.escape(pattern.strip("/")).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    below = "/.*" if pattern.endswith("/") else "(/.*)?"
    return re.compile(("" if anchored else "(.*/)?") + body + below)


def owners(path: str) -> list[str]:
    found: list[str] = []
    for line in CODEOWNERS.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            pattern, *names = line.split()
            if pattern_regex(pattern).fullmatch(path):
                found = names
    return found


@pytest.mark.parametrize("path", OWNED)
def test_the_production_approvers_own_it(path: str) -> None:
    team = owners(path)
    assert len(team) == 1
    assert team[0].endswith(f"/{PROJECT}-production-approvers")


def test_other_paths_are_left_to_the_repository_s_own_rules() -> None:
    assert owners("k8s/overlays/staging/kustomization.yaml") == []
    assert owners("src/app.py") == []
    assert owners("src/{{ cookiecutter.package }}/model/train.py") == []


def test_the_pattern_reader_follows_gitignore() -> None:
    assert pattern_regex("/argocd/").fullmatch("argocd/a/b.yaml")
    assert not pattern_regex("/argocd/").fullmatch("x/argocd/a.yaml")
    assert pattern_regex("*.yaml").fullmatch("x/argocd/a.yaml")
    assert not pattern_regex("/docs/*.md").fullmatch("docs/a/b.md")
