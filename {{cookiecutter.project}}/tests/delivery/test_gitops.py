"""Promotions on the env/ branches of a local bare remote: publish, the staging guard, races, rollback."""

import os
import subprocess
import threading
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery import gitops
from {{ cookiecutter.package }}.delivery.promotions import Promotion, publish
from {{ cookiecutter.package }}.delivery.rollbacks import rollback
from {{ cookiecutter.package }}.errors import Failure

from .repos import bare_remote, clone, git, history

# Stand-ins for a bad promotion's fields; real ones name commits of the remote's main.
FIELDS = {"source": "a" * 40, "digest": "sha256:" + "a" * 64, "model_sha256": "a" * 64}


def no_sleep(_seconds: float) -> None:
    """Backoff is exercised by the racing test's real rejections; waiting adds nothing."""


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "README.md").write_text("the source branch; environments live on env/*\n")
    return bare_remote(seed, tmp_path / "remote.git", later_commits=3)


@pytest.fixture
def repo(remote: Path, tmp_path: Path) -> Path:
    return clone(remote, tmp_path / "ci")


@pytest.fixture
def promotions(repo: Path) -> list[Promotion]:
    """Four deliveries, of the four commits of main in order, each with its own image."""
    return [
        Promotion(source, "sha256:" + digit * 64, digit * 64)
        for source, digit in zip(history(repo), "abcd", strict=True)
    ]


def rendered(repo: Path, promotion: Promotion) -> Path:
    """A stand-in render: one manifests.yaml naming the image, as `render` writes it."""
    directory = repo.parent / f"render-{promotion.source[:4]}"
    directory.mkdir(exist_ok=True)
    (directory / "manifests.yaml").write_text(f"image: ghcr.io/acme/ml-service@{promotion.digest}\n")
    return directory


def promote(repo: Path, env: str, promotion: Promotion) -> str:
    return publish(repo, env, rendered(repo, promotion), promotion, sleep=no_sleep)


def trailers_of(repo: Path, ref: str) -> dict[str, str]:
    """The commit's trailers as git itself parses them, so other tools read what we wrote."""
    lines = git(repo, "log", "--max-count=1", "--format=%(trailers:only,unfold)", ref).splitlines()
    return dict(line.split(": ", 1) for line in lines if line)


def deployed(remote: Path, env: str) -> str:
    return git(remote, "show", f"env/{env}:manifests.yaml")


def test_publish_commits_the_render_to_its_env_branch_naming_what_it_holds(
    repo: Path, remote: Path, promotions: list[Promotion]
) -> None:
    commit = promote(repo, "staging", promotions[0])
    assert git(remote, "rev-parse", "env/staging") == commit
    assert deployed(remote, "staging") == f"image: ghcr.io/acme/ml-service@{promotions[0].digest}"
    assert git(remote, "ls-tree", "--name-only", "env/staging") == "manifests.yaml"
    assert trailers_of(repo, commit) == promotions[0].trailers()
    assert git(remote, "log", "-1", "--format=%s", "env/staging").startswith(
        f"deploy(staging): {promotions[0].source[:12]}"
    )
    # The source branch is never touched.
    assert git(remote, "log", "-1", "--format=%s", "main") == "merge 3"


def test_publishing_the_same_render_again_pushes_nothing(
    repo: Path, remote: Path, promotions: list[Promotion]
) -> None:
    first = promote(repo, "staging", promotions[0])
    assert promote(repo, "staging", promotions[0]) == first
    assert git(remote, "rev-list", "--count", "env/staging") == "1"


def test_production_takes_only_what_staging_carried(
    repo: Path, remote: Path, promotions: list[Promotion]
) -> None:
    with pytest.raises(Failure, match=f"staging never ran {promotions[0].source[:12]}"):
        promote(repo, "production", promotions[0])
    promote(repo, "staging", promotions[0])
    # Same source commit, another image: not what staging verified.
    other_image = Promotion(promotions[0].source, promotions[1].digest, promotions[0].model_sha256)
    with pytest.raises(Failure, match="production takes only what staging verified"):
        promote(repo, "production", other_image)
    promote(repo, "staging", promotions[1])
    # Staging has moved on, but it did carry the first promotion: production may still take it.
    promote(repo, "production", promotions[0])
    assert deployed(remote, "production").endswith(promotions[0].digest)


@pytest.mark.parametrize("env", ["main", "preview", "env/staging"])
def test_nothing_but_the_env_branches_can_be_published(
    repo: Path, env: str, promotions: list[Promotion]
) -> None:
    with pytest.raises(Failure, match="cannot render"):
        promote(repo, env, promotions[0])


@pytest.mark.parametrize(
    ("field", "value"),
    [("source", "main"), ("digest", "sha256:abc"), ("model_sha256", "A" * 64)],
)
def test_a_malformed_promotion_is_refused(field: str, value: str) -> None:
    fields = {**FIELDS, field: value}
    with pytest.raises(Failure):
        Promotion(**fields)


def test_racing_publishers_both_land_and_the_branch_ends_on_the_last_push(
    remote: Path, tmp_path: Path, promotions: list[Promotion]
) -> None:
    """Both build on the same tip and push at once: one is rejected, builds on the new tip and retries."""
    clones = [clone(remote, tmp_path / name) for name in ("one", "two")]
    promote(clones[0], "staging", promotions[0])
    ready = threading.Barrier(2)
    errors: list[BaseException] = []
    builds: list[int] = []

    def race(repo: Path, promotion: Promotion) -> None:
        manifests = (rendered(repo, promotion) / "manifests.yaml").read_text()
        tree = gitops.make_tree(repo, {"manifests.yaml": gitops.write_blob(repo, manifests)})
        built: list[str | None] = []

        def build(tip: str | None) -> str:
            built.append(tip)
            message = promotion.message("staging", promotion.trailers())
            commit = git(repo, "commit-tree", tree, "-p", str(tip), "-m", message)
            if len(built) == 1:
                ready.wait(timeout=30)
            return commit

        try:
            gitops.land(repo, "env/staging", build, sleep=no_sleep)
            builds.append(len(built))
        except BaseException as error:  # re-raised in the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=race, args=(repo, promotion))
        for repo, promotion in zip(clones, promotions[1:3], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    # The winner built once; the loser was rejected, built again on the winner's commit and landed.
    assert sorted(builds) == [1, 2]
    subjects = git(remote, "log", "--format=%s", "env/staging").splitlines()
    assert len(subjects) == 3
    last = trailers_of(remote, "env/staging")["Source-Commit"]
    assert subjects[0].startswith(f"deploy(staging): {last[:12]}")
    assert deployed(remote, "staging").endswith(next(p.digest for p in promotions if p.source == last))


def promoted(repo: Path, *promotions: Promotion) -> list[str]:
    """Promote each to staging and then production, as deliver does; return the production commits."""
    commits = []
    for promotion in promotions:
        promote(repo, "staging", promotion)
        commits.append(promote(repo, "production", promotion))
    return commits


def test_rollback_restores_the_render_before_the_promotion(
    repo: Path, remote: Path, promotions: list[Promotion]
) -> None:
    _, second = promoted(repo, *promotions[:2])
    assert rollback(repo, "production", second, sleep=no_sleep).startswith("production: rolled back")
    assert deployed(remote, "production").endswith(promotions[0].digest)
    tip = git(remote, "rev-parse", "env/production")
    assert trailers_of(repo, tip) == {"Reverts": second, **promotions[0].trailers()}
    assert git(remote, "log", "-1", "--format=%s", "env/production").startswith('Revert "deploy(production)')
    # Staging keeps what it runs.
    assert deployed(remote, "staging").endswith(promotions[1].digest)


def test_rolling_back_twice_commits_once(repo: Path, remote: Path, promotions: list[Promotion]) -> None:
    _, second = promoted(repo, *promotions[:2])
    rollback(repo, "production", second, sleep=no_sleep)
    tip = git(remote, "rev-parse", "env/production")
    again = rollback(repo, "production", second, sleep=no_sleep)
    assert again == f"production: {second[:12]} is already rolled back"
    assert rollback(repo, "production", sleep=no_sleep).endswith("is already a rollback; nothing rolled back")
    assert git(remote, "rev-parse", "env/production") == tip


def test_a_superseded_promotion_is_not_rolled_back(
    repo: Path, remote: Path, promotions: list[Promotion]
) -> None:
    _, second, third = promoted(repo, *promotions[:3])
    assert "superseded" in rollback(repo, "production", second, sleep=no_sleep)
    assert git(remote, "rev-parse", "env/production") == third


def test_rollback_refuses_when_there_is_nothing_earlier(repo: Path, promotions: list[Promotion]) -> None:
    with pytest.raises(Failure, match="does not exist yet"):
        rollback(repo, "production", sleep=no_sleep)
    [first] = promoted(repo, promotions[0])
    with pytest.raises(Failure, match="first render"):
        rollback(repo, "production", first, sleep=no_sleep)


def test_the_push_token_reaches_git_through_the_environment_only(tmp_path: Path) -> None:
    """The pushing step sets GIT_PUSH_TOKEN; git asks the helper, so the token is never an argument."""
    request = "protocol=https\nhost=github.com\npath=acme/ml-service.git\n\n"
    env = {**os.environ, "GIT_PUSH_TOKEN": "t0ken", "GIT_TERMINAL_PROMPT": "0", "HOME": str(tmp_path)}
    filled = subprocess.run(
        ["git", *gitops.REMOTE_OPTIONS, "credential", "fill"],
        input=request,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "username=x-access-token\npassword=t0ken\n" in filled
    assert all("t0ken" not in option for option in gitops.REMOTE_OPTIONS)
