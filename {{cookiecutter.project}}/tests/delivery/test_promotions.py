"""Publishing a render onto its env/ branch of a local bare remote: one readable commit per promotion,
nothing pushed twice, production only what staging carried, env branches only."""

import pytest

from {{ cookiecutter.package }}.delivery.promotions import Promotion
from {{ cookiecutter.package }}.errors import Failure

from ..branches import Branches
from ..repos import git, trailers_of

# Stand-ins for a bad promotion's fields; real ones name commits of the remote's main.
FIELDS = {"source": "a" * 40, "digest": "sha256:" + "a" * 64, "model_sha256": "a" * 64}


def test_publish_commits_the_render_to_its_env_branch_naming_what_it_holds(branches: Branches) -> None:
    commit = branches.publish("staging", branches.promotions[0])
    assert git(branches.remote, "rev-parse", "env/staging") == commit
    assert branches.deployed("staging") == f"image: ghcr.io/acme/ml-service@{branches.promotions[0].digest}"
    assert git(branches.remote, "ls-tree", "--name-only", "env/staging") == "manifests.yaml"
    assert trailers_of(branches.repo, commit) == branches.promotions[0].trailers()
    assert git(branches.remote, "log", "-1", "--format=%s", "env/staging").startswith(
        f"deploy(staging): {branches.promotions[0].source[:12]}"
    )
    # The source branch is never touched.
    assert git(branches.remote, "log", "-1", "--format=%s", "main") == "merge 3"


def test_publishing_the_same_render_again_pushes_nothing(branches: Branches) -> None:
    first = branches.publish("staging", branches.promotions[0])
    assert branches.publish("staging", branches.promotions[0]) == first
    assert git(branches.remote, "rev-list", "--count", "env/staging") == "1"


def test_production_takes_only_what_staging_carried(branches: Branches) -> None:
    with pytest.raises(Failure, match=f"staging never ran {branches.promotions[0].source[:12]}"):
        branches.publish("production", branches.promotions[0])
    branches.publish("staging", branches.promotions[0])
    # Same source commit, another image: not what staging verified.
    other_image = Promotion(
        branches.promotions[0].source, branches.promotions[1].digest, branches.promotions[0].model_sha256
    )
    with pytest.raises(Failure, match="production takes only what staging verified"):
        branches.publish("production", other_image)
    branches.publish("staging", branches.promotions[1])
    # Staging has moved on, but it did carry the first promotion: production may still take it.
    branches.publish("production", branches.promotions[0])
    assert branches.deployed("production").endswith(branches.promotions[0].digest)


@pytest.mark.parametrize("env", ["main", "preview", "env/staging"])
def test_nothing_but_the_env_branches_can_be_published(branches: Branches, env: str) -> None:
    with pytest.raises(Failure, match="cannot render"):
        branches.publish(env, branches.promotions[0])


@pytest.mark.parametrize(
    ("field", "value"),
    [("source", "main"), ("digest", "sha256:abc"), ("model_sha256", "A" * 64)],
)
def test_a_malformed_promotion_is_refused(field: str, value: str) -> None:
    fields = {**FIELDS, field: value}
    with pytest.raises(Failure):
        Promotion(**fields)
