"""The one list of environments: what each delivery command accepts, and the branch each one syncs."""

import pytest

from {{ cookiecutter.package }}.delivery import environments
from {{ cookiecutter.package }}.errors import Failure

from .. import PROJECT_DIR


def test_every_overlay_is_a_known_environment() -> None:
    overlays = {path.name for path in (PROJECT_DIR / "k8s" / "overlays").iterdir() if path.is_dir()}
    assert overlays <= set(environments.ENVIRONMENTS)
    assert set(environments.DELIVERED) <= overlays


def test_each_delivered_environment_has_its_branch_and_production_follows_staging() -> None:
    assert [environments.env_branch(env) for env in environments.DELIVERED] == [
        "env/staging",
        "env/production",
    ]
    assert environments.PRECEDED_BY == {"production": "staging"}


@pytest.mark.parametrize("env", ["preview", "main", "env/staging"])
def test_nothing_else_has_an_env_branch(env: str) -> None:
    with pytest.raises(Failure, match="cannot render"):
        environments.env_branch(env)


def test_an_unknown_environment_is_refused_by_name() -> None:
    assert environments.check_environment("preview") == "preview"
    with pytest.raises(
        Failure, match="unknown environment 'qa'; expected one of staging, production, preview"
    ):
        environments.check_environment("qa")
