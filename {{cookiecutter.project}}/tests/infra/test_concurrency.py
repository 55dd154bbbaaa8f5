"""Deliveries close together, played through GitHub's documented queueing (actions.py) against
deliver.yml as parsed: staging ends on the newest merge, production never goes back to an older one,
and no run is red for having been overtaken (issue 18, item 5).

Re-adding a group shared by two jobs of a delivery (staging and a separate verify), or a group on the
job that waits for the production approval, fails these scenarios: a newer merge is dropped, or newer
canaries queue behind an approval that never comes.
"""

from dataclasses import dataclass

import pytest

from ..branches import Branches
from ..repos import git
from .actions import Actions
from .test_workflows import load

RUNS = "ABCD"


@dataclass(frozen=True)
class Scenario:
    # What happens, in order: a build passes, staging is verified, a reviewer approves, a canary is
    # promoted, a job is re-run.
    events: str
    staging: str
    production: tuple[str, ...]
    # Runs that end green without promoting: a newer delivery overtook them.
    superseded: frozenset[str] = frozenset()


SCENARIOS = {
    # The table: A staging, B staging, A verify, C staging, A's approval an hour late.
    "three-merges-and-a-late-approval": Scenario(
        "built A, built B, verified A, built C, verified B, verified C, "
        "approve B, promoted B, approve C, promoted C, approve A",
        staging="C",
        production=("B", "C"),
        superseded=frozenset("A"),
    ),
    # C is queued while B waits behind A: GitHub cancels B's pending job, and C carries B's changes.
    "a-newer-merge-replaces-the-waiting-one": Scenario(
        "built A, built B, built C, verified A, verified C, approve C, promoted C",
        staging="C",
        production=("C",),
    ),
    # A newer canary must not queue behind an older run's approval, which may never come.
    "a-pending-approval-holds-back-nothing": Scenario(
        "built A, verified A, built B, verified B, approve B, promoted B",
        staging="B",
        production=("B",),
    ),
    # Approved while A's canary runs: Argo Rollouts replaces A's canary by B's, and A's watch sees it.
    "an-approval-during-an-older-canary": Scenario(
        "built A, verified A, built B, verified B, approve A, approve B, promoted A, promoted B",
        staging="B",
        production=("A", "B"),
        superseded=frozenset("A"),
    ),
    # Re-running an old delivery's staging job after a newer one: refused, green, nothing after it runs.
    "a-stale-rerun-of-staging": Scenario(
        "built A, verified A, approve A, promoted A, built B, verified B, approve B, promoted B, "
        "rerun A staging",
        staging="B",
        production=("A", "B"),
        superseded=frozenset("A"),
    ),
    # Run A's canary failed late (the registry was down); re-run after B promoted, and approved.
    "a-stale-rerun-of-the-canary": Scenario(
        "built A, verified A, built B, verified B, approve B, promoted B, rerun A canary, approve A",
        staging="B",
        production=("B",),
        superseded=frozenset("A"),
    ),
    # The first delivery, on an empty cluster.
    "a-first-delivery": Scenario("built A, verified A, approve A, promoted A", "A", ("A",)),
}


def play(branches: Branches, scenario: Scenario) -> Actions:
    deliveries = dict(zip(RUNS, branches.promotions, strict=True))
    actions = Actions(load("deliver"), branches, deliveries)
    for event in scenario.events.split(", "):
        verb, run, *rest = event.split()
        if verb == "built":
            actions.built(run)
        elif verb == "approve":
            actions.approve(run)
        elif verb == "rerun":
            actions.rerun(run, rest[0])
        else:
            actions.ended(run, verb)
    return actions


def sources(branches: Branches, env: str) -> tuple[str, ...]:
    """The runs whose commit the environment took, in order (rollbacks aside)."""
    runs = {promotion.source: run for run, promotion in zip(RUNS, branches.promotions, strict=True)}
    if not git(branches.remote, "branch", "--list", f"env/{env}"):
        return ()
    log = git(
        branches.remote, "log", "--reverse", "--format=%(trailers:key=Source-Commit,valueonly)", f"env/{env}"
    )
    taken = [runs[line.strip()] for line in log.splitlines() if line.strip()]
    return tuple(run for index, run in enumerate(taken) if index == 0 or taken[index - 1] != run)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_staging_ends_on_the_newest_merge_and_production_never_goes_back(
    branches: Branches, name: str
) -> None:
    scenario = SCENARIOS[name]
    actions = play(branches, scenario)
    assert sources(branches, "staging")[-1:] == (scenario.staging,)
    assert sources(branches, "production") == scenario.production
    assert [job for job in actions.jobs.values() if job.state == "failure"] == []
    superseded = {job.run for job in actions.jobs.values() if job.state == "superseded"}
    assert superseded == scenario.superseded
    released = {job.run for job in actions.jobs.values() if job.name == "promote" and job.state == "success"}
    assert released == set(scenario.production) - scenario.superseded
