"""Rolling a promotion back: one commit that restores the render before it, only while it is the tip."""

import pytest

from {{ cookiecutter.package }}.delivery.promotions import Promotion
from {{ cookiecutter.package }}.delivery.rollbacks import rollback
from {{ cookiecutter.package }}.errors import Failure

from ..branches import Branches, no_sleep
from ..repos import git, trailers_of


def promoted(branches: Branches, *promotions: Promotion) -> list[str]:
    """Promote each to staging and then production, as deliver does; return the production commits."""
    commits = []
    for promotion in promotions:
        branches.publish("staging", promotion)
        commits.append(branches.publish("production", promotion))
    return commits


def test_rollback_restores_the_render_before_the_promotion(branches: Branches) -> None:
    _, second = promoted(branches, *branches.promotions[:2])
    assert rollback(branches.repo, "production", second, sleep=no_sleep).startswith("production: rolled back")
    assert branches.deployed("production").endswith(branches.promotions[0].digest)
    tip = git(branches.remote, "rev-parse", "env/production")
    assert trailers_of(branches.repo, tip) == {"Reverts": second, **branches.promotions[0].trailers()}
    assert git(branches.remote, "log", "-1", "--format=%s", "env/production").startswith(
        'Revert "deploy(production)'
    )
    # Staging keeps what it runs.
    assert branches.deployed("staging").endswith(branches.promotions[1].digest)


def test_rolling_back_twice_commits_once(branches: Branches) -> None:
    _, second = promoted(branches, *branches.promotions[:2])
    rollback(branches.repo, "production", second, sleep=no_sleep)
    tip = git(branches.remote, "rev-parse", "env/production")
    again = rollback(branches.repo, "production", second, sleep=no_sleep)
    assert again == f"production: {second[:12]} is already rolled back"
    assert rollback(branches.repo, "production", sleep=no_sleep).endswith(
        "is already a rollback; nothing rolled back"
    )
    assert git(branches.remote, "rev-parse", "env/production") == tip


def test_a_superseded_promotion_is_not_rolled_back(branches: Branches) -> None:
    _, second, third = promoted(branches, *branches.promotions[:3])
    assert "superseded" in rollback(branches.repo, "production", second, sleep=no_sleep)
    assert git(branches.remote, "rev-parse", "env/production") == third


def test_rollback_refuses_when_there_is_nothing_earlier(branches: Branches) -> None:
    with pytest.raises(Failure, match="does not exist yet"):
        rollback(branches.repo, "production", sleep=no_sleep)
    [first] = promoted(branches, branches.promotions[0])
    with pytest.raises(Failure, match="first render"):
        rollback(branches.repo, "production", first, sleep=no_sleep)
