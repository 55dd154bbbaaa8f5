"""Publishing and rolling back environment changes against a local bare remote, racing pushers included."""

import threading
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery.gitops import publish, push_with_retry, rollback
from {{ cookiecutter.package }}.delivery.overlays import read_digest, set_image
from {{ cookiecutter.package }}.errors import CliError

from .repos import bare_remote, clone, git

OVERLAY = """\
# An overlay as the template writes it, reduced to what delivery touches.
images:
  - name: ghcr.io/acme/ml-service
    newTag: latest
namespace: ml-service-{env}
"""
DIGESTS = ["sha256:" + digit * 64 for digit in "abc"]


def no_sleep(_seconds: float) -> None:
    """Backoff is exercised by the racing test's real rejections; waiting adds nothing."""


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare remote whose main branch holds a staging and a production overlay."""
    seed = tmp_path / "seed"
    for env in ("staging", "production"):
        path = seed / "k8s" / "overlays" / env / "kustomization.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(OVERLAY.format(env=env))
    return bare_remote(seed, tmp_path / "remote.git")


def deliver(repo: Path, env: str, digest: str) -> bool:
    set_image(repo, env, digest)
    return publish(repo, f"deploy {env} {digest[:15]}", [f"k8s/overlays/{env}"], sleep=no_sleep)


def remote_digest(remote: Path, env: str) -> str | None:
    return read_digest(git(remote, "show", f"main:k8s/overlays/{env}/kustomization.yaml"))


def race(*pushes: tuple[Path, str, str]) -> None:
    """Commit in every clone first, then push all at once: all but one push must be rejected and retried."""
    for repo, env, digest in pushes:
        set_image(repo, env, digest)
        git(repo, "commit", "--quiet", "-am", f"deploy {env} {digest[:15]}")
    errors: list[BaseException] = []
    start = threading.Barrier(len(pushes))

    def push(repo: Path) -> None:
        start.wait()
        try:
            push_with_retry(repo, sleep=no_sleep)
        except BaseException as error:  # collected and re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=push, args=(repo,)) for repo, _, _ in pushes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors


def test_publish_pushes_the_commit_upstream(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, tmp_path / "ci")
    assert deliver(repo, "staging", DIGESTS[0]) is True
    assert remote_digest(remote, "staging") == DIGESTS[0]


def test_publish_without_changes_commits_nothing(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, tmp_path / "ci")
    deliver(repo, "staging", DIGESTS[0])
    head = git(remote, "rev-parse", "main")
    assert deliver(repo, "staging", DIGESTS[0]) is False
    assert git(remote, "rev-parse", "main") == head


def test_racing_deliveries_to_different_environments_both_land(remote: Path, tmp_path: Path) -> None:
    first, second = clone(remote, tmp_path / "one"), clone(remote, tmp_path / "two")
    race((first, "staging", DIGESTS[0]), (second, "production", DIGESTS[1]))
    assert remote_digest(remote, "staging") == DIGESTS[0]
    assert remote_digest(remote, "production") == DIGESTS[1]


def test_racing_deliveries_to_one_environment_keep_both_commits_and_end_on_the_last(
    remote: Path, tmp_path: Path
) -> None:
    first, second = clone(remote, tmp_path / "one"), clone(remote, tmp_path / "two")
    race((first, "staging", DIGESTS[0]), (second, "staging", DIGESTS[1]))
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert sorted(subjects[:2]) == sorted(f"deploy staging {digest[:15]}" for digest in DIGESTS[:2])
    # The commit that landed last is the newer delivery, and its digest is what staging runs.
    newest = next(digest for digest in DIGESTS[:2] if digest[:15] in subjects[0])
    assert remote_digest(remote, "staging") == newest


def test_publish_without_tracking_pushes_to_the_same_branch_on_origin(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, tmp_path / "ci")
    git(repo, "branch", "--unset-upstream")
    deliver(repo, "staging", DIGESTS[0])
    assert remote_digest(remote, "staging") == DIGESTS[0]


def test_publish_from_a_detached_head_says_how_to_fix_it(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, tmp_path / "ci")
    git(repo, "checkout", "--quiet", "--detach")
    with pytest.raises(CliError, match="HEAD is detached"):
        deliver(repo, "staging", DIGESTS[0])


def test_rollback_restores_the_previous_digest_in_a_revert_commit(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, tmp_path / "ci")
    deliver(repo, "production", DIGESTS[0])
    deliver(repo, "staging", DIGESTS[2])
    deliver(repo, "production", DIGESTS[1])
    assert rollback(repo, "production", sleep=no_sleep) == DIGESTS[0]
    assert remote_digest(remote, "production") == DIGESTS[0]
    assert remote_digest(remote, "staging") == DIGESTS[2]
    assert git(remote, "log", "-1", "--format=%s", "main") == f'Revert "deploy production {DIGESTS[1][:15]}"'


def test_rollback_refuses_when_no_earlier_digest_exists(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, tmp_path / "ci")
    with pytest.raises(CliError, match="nothing to roll back"):
        rollback(repo, "staging", sleep=no_sleep)
    deliver(repo, "staging", DIGESTS[0])
    with pytest.raises(CliError, match="no earlier one"):
        rollback(repo, "staging", sleep=no_sleep)
