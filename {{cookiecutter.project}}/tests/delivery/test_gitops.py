"""Git plumbing for the env/ branches: racing pushes both land, and the push token never shows."""

import os
import subprocess
import threading
from pathlib import Path

from {{ cookiecutter.package }}.delivery import gitops
from {{ cookiecutter.package }}.delivery.promotions import Promotion, publish

from ..branches import Branches, no_sleep
from ..repos import clone, git, trailers_of


def test_racing_publishers_both_land_and_the_branch_ends_on_the_last_push(
    branches: Branches, tmp_path: Path
) -> None:
    """Both build on the same tip and push at once: one is rejected, builds on the new tip and retries."""
    remote, promotions = branches.remote, branches.promotions
    clones = [clone(remote, tmp_path / name) for name in ("one", "two")]
    publish(clones[0], "staging", branches.render(promotions[0]), promotions[0], sleep=no_sleep)
    ready = threading.Barrier(2)
    errors: list[BaseException] = []
    builds: list[int] = []

    def race(repo: Path, promotion: Promotion) -> None:
        manifests = (branches.render(promotion) / "manifests.yaml").read_text()
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
    assert branches.deployed("staging").endswith(next(p.digest for p in promotions if p.source == last))


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
