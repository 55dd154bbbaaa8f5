"""What an env branch commit holds: the config the previous renders' pods read stays (issue 18, item 7),
and production's batch workloads move only once the canary is promoted (item 8)."""

import itertools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.promotions import Promotion, publish
from {{ cookiecutter.package }}.delivery.render import render_environment
from {{ cookiecutter.package }}.delivery.rollbacks import rollback
from {{ cookiecutter.package }}.errors import Failure

from .. import PROJECT_DIR
from ..branches import Branches, no_sleep
from ..repos import bare_remote, clone, git

CONFIG_KINDS = {"ConfigMap", "Secret"}
# Each render changes a literal of the production ConfigMap, so its hash-suffixed name changes.
LOG_LEVELS = ("warning", "error", "debug", "info")


def objects_of(text: str) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(text) if document]


def branch_objects(remote: Path, ref: str) -> list[dict[str, Any]]:
    """Everything Argo CD applies from one commit of the branch: every YAML file of its tree."""
    names = git(remote, "ls-tree", "--name-only", ref).split()
    return [obj for name in names for obj in objects_of(git(remote, "show", f"{ref}:{name}"))]


def referenced_config(objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret a pod template reads, through envFrom or env."""
    return {
        (kind, ref["name"])
        for obj in objects
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef"))
        for ref in find_key(obj.get("spec", {}), key)
    }


def find_key(node: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [
            *([node[key]] if key in node else []),
            *(v for value in node.values() for v in find_key(value, key)),
        ]
    if isinstance(node, list):
        return [found for item in node for found in find_key(item, key)]
    return []


def present_config(objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(obj["kind"], obj["metadata"]["name"]) for obj in objects if obj["kind"] in CONFIG_KINDS}


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, list[str]]:
    """A CI clone of a remote whose main holds this project's k8s/, then a commit per log level of
    production (each another ConfigMap name); returns the clone and those commits."""
    seed = tmp_path / "seed"
    shutil.copytree(PROJECT_DIR / "k8s", seed / "k8s")
    repo = clone(bare_remote(seed, tmp_path / "remote.git"), tmp_path / "ci")
    overlay = repo / "k8s" / "overlays" / "production" / "kustomization.yaml"
    commits = []
    for level in LOG_LEVELS:
        overlay.write_text(re.sub(r"APP_LOG_LEVEL=\w+", f"APP_LOG_LEVEL={level}", overlay.read_text()))
        git(repo, "commit", "--quiet", "-am", f"log at {level}")
        commits.append(git(repo, "rev-parse", "HEAD"))
    git(repo, "push", "--quiet", "origin", "HEAD:main")
    return repo, commits


def deliver(repo: Path, source: str, number: int) -> str:
    """Render production at `source` and publish it (staging first, as production takes only that)."""
    promotion = Promotion(source, f"sha256:{number}" + "0" * 63, "f" * 64)
    out = repo.parent / "render" / source[:12]
    render_environment(repo, "production", source, promotion.digest, out)
    publish(repo, "staging", out, promotion, sleep=no_sleep)
    return publish(repo, "production", out, promotion, sleep=no_sleep)


@pytest.mark.slow
def test_the_config_the_stable_pods_read_is_never_pruned_under_them(project: tuple[Path, list[str]]) -> None:
    """Argo CD prunes what a sync no longer carries (gitops-engine pkg/sync/sync_context.go pruneObject,
    at 1454-1475 in argo-cd v3.5.1). A config change renames the hash-suffixed ConfigMap; the canary's
    stable pods, or the old ReplicaSet of a rolling update, still read the old one, and a stable pod
    started then fails (fluxcd/flux2 issue 3378, argo-rollouts issue 2675)."""
    repo, commits = project
    remote = repo.parent / "remote.git"
    promotions = [deliver(repo, source, number) for number, source in enumerate(commits, start=1)]
    for before, after in itertools.pairwise(promotions):
        stable = branch_objects(remote, before)
        assert referenced_config(stable), "the stable render reads no ConfigMap"
        assert referenced_config(stable) <= present_config(branch_objects(remote, after)), after
    # Kept while one of the two renders before is the stable one (the one before that is stable when
    # a canary was aborted and its revert failed), then pruned: the branch does not grow for ever.
    first = referenced_config(branch_objects(remote, promotions[0]))
    assert first <= present_config(branch_objects(remote, promotions[2]))
    assert not first & present_config(branch_objects(remote, promotions[3]))
    # A rollback restores the earlier render together with the config it kept.
    rollback(repo, "production", promotions[3], sleep=no_sleep)
    restored = branch_objects(remote, "env/production")
    assert referenced_config(branch_objects(remote, promotions[2])) <= present_config(restored)


CRONJOB = "kind: CronJob\nimage: ghcr.io/acme/ml-service-batch@{digest}"


def cronjob(promotion: Promotion) -> str:
    """The stand-in batch.yaml of a promotion, as the branch shows it."""
    return CRONJOB.format(digest=promotion.batch_digest)


def render_with_batch(branches: Branches, promotion: Promotion) -> Path:
    return branches.render(promotion, batch=cronjob(promotion) + "\n")


def canary(branches: Branches, promotion: Promotion) -> tuple[str, str]:
    """What the canary job publishes: the pin (batch held), then, once promoted, the batch promotion."""
    rendered = render_with_batch(branches, promotion)
    branches.publish("staging", promotion, rendered)
    pin = branches.publish("production", promotion, rendered, hold_batch=True)
    held = branches.deployed("production", "batch.yaml")
    branches.publish("production", promotion, rendered)
    return pin, held


def test_production_batch_workloads_move_only_once_the_canary_is_promoted(branches: Branches) -> None:
    """The CronJob would otherwise take the new digest at the pin's sync, and score with a model whose
    canary has not passed (issue 18, item 8)."""
    first, second = branches.promotions[:2]
    canary(branches, first)
    _, held = canary(branches, second)
    assert held == cronjob(first)
    assert branches.deployed("production", "batch.yaml") == cronjob(second)
    assert branches.trailer("production", "Batch-Digest") == second.batch_digest
    # Staging, which has no canary, took each batch image at once.
    assert branches.deployed("staging", "batch.yaml") == cronjob(second)


def test_a_first_delivery_runs_no_batch_workload_before_its_canary_is_promoted(branches: Branches) -> None:
    """On an empty cluster there is nothing to hold: the batch workloads wait for the promotion."""
    first = branches.promotions[0]
    _, held = canary(branches, first)
    assert held == ""
    assert branches.deployed("production", "batch.yaml") == cronjob(first)


def test_rolling_back_a_promoted_canary_takes_its_batch_promotion_back_too(branches: Branches) -> None:
    first, second = branches.promotions[:2]
    canary(branches, first)
    pin, _ = canary(branches, second)
    assert rollback(branches.repo, "production", sleep=no_sleep).startswith(
        f"production: rolled back {pin[:12]}"
    )
    assert branches.deployed("production") == f"image: ghcr.io/acme/ml-service@{first.digest}"
    assert branches.deployed("production", "batch.yaml") == cronjob(first)


def test_production_takes_only_the_batch_image_staging_ran(branches: Branches) -> None:
    first = branches.promotions[0]
    branches.publish("staging", first, render_with_batch(branches, first))
    swapped = Promotion(first.source, first.digest, first.model_sha256, branches.promotions[1].batch_digest)
    with pytest.raises(Failure, match="production takes only what staging verified"):
        branches.publish("production", swapped, render_with_batch(branches, swapped))
