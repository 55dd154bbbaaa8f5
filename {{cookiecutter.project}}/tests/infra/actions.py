"""A small model of how GitHub Actions queues the jobs of deliver.yml, driving the real `publish`.

The queueing is GitHub's documented one (docs.github.com, "Control the concurrency of workflows and
jobs"): a concurrency group holds at most one running and one pending job; a job queued while another
of its group runs is pending, and it cancels any job already pending there. A job that names an
environment with required reviewers does not start until they approve ("Deployments and
environments"), and it holds its concurrency group while it waits (hypothesis/lms pull request 4533).

Each job does what its `make` steps say: `make publish` publishes a stand-in render to the env branch
of a local remote, at once; `make wait-for-revision` and `make wait-for-canary` take time, and end
when the scenario says so. A step that publishes with SKIP_SUPERSEDED ends its job green when the
branch runs a newer commit; a job whose `if` reads a need's `superseded` output is then skipped.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from {{ cookiecutter.package }}.delivery.ordering import Superseded
from {{ cookiecutter.package }}.delivery.promotions import Promotion

from ..branches import Branches

# The environments docs/delivery.md gives required reviewers.
REVIEWED = frozenset({"production"})
WAITS = {"make wait-for-revision": "verified", "make wait-for-canary": "promoted"}


@dataclass
class Job:
    run: str
    name: str
    state: str = "queued"  # pending, waiting, running, then success, superseded, failure, cancelled, skipped
    steps: list[str] = field(default_factory=list)


@dataclass
class Actions:
    workflow: dict[str, Any]
    branches: Branches
    deliveries: dict[str, Promotion]
    jobs: dict[tuple[str, str], Job] = field(default_factory=dict)
    groups: dict[str, dict[str, Job | None]] = field(default_factory=dict)

    def built(self, run: str) -> None:
        """The run's jobs up to the image build passed; what needs them is queued."""
        for name in ("test", "validate", "build"):
            self.jobs[run, name] = Job(run, name, "success")
        self.advance(run)

    def approve(self, run: str) -> None:
        for job in self.waiting(run, "waiting"):
            self.start(job, approved=True)

    def ended(self, run: str, wait: str) -> None:
        """The run's job that waits for `wait` ("verified", "promoted") saw it end."""
        for job in self.waiting(run, "running"):
            if job.steps and WAITS.get(command(job.steps[0])) == wait:
                self.finish_wait(job)

    def rerun(self, run: str, name: str) -> None:
        """Re-run a job of an old run and, as GitHub does, every job after it."""
        again = {name}
        for later, spec in self.workflow["jobs"].items():
            if again & set(spec.get("needs", [])):
                again.add(later)
        for job in again:
            self.jobs.pop((run, job), None)
        self.advance(run)

    def waiting(self, run: str, state: str) -> list[Job]:
        return [job for job in self.jobs.values() if job.run == run and job.state == state]

    def advance(self, run: str) -> None:
        for name, spec in self.workflow["jobs"].items():
            needs = [self.jobs.get((run, need)) for need in spec.get("needs", [])]
            if (run, name) in self.jobs or any(
                job is None or job.state not in ("success", "superseded") for job in needs
            ):
                continue
            superseded = [job.name for job in needs if job and job.state == "superseded"]
            skip = any(f"needs.{need}.outputs.superseded" in str(spec.get("if", "")) for need in superseded)
            job = self.jobs[run, name] = Job(run, name, "skipped" if skip else "queued")
            if not skip:
                self.queue(job)

    def group_of(self, name: str) -> str | None:
        concurrency = self.workflow["jobs"][name].get("concurrency") or self.workflow.get("concurrency") or {}
        return concurrency.get("group") if isinstance(concurrency, dict) else concurrency

    def queue(self, job: Job) -> None:
        group = self.group_of(job.name)
        if group is None:
            self.start(job)
            return
        slot = self.groups.setdefault(group, {"running": None, "pending": None})
        if slot["running"] is None:
            slot["running"] = job
            self.start(job)
            return
        if slot["pending"] is not None:
            slot["pending"].state = "cancelled"
        slot["pending"], job.state = job, "pending"

    def start(self, job: Job, approved: bool = False) -> None:
        spec = self.workflow["jobs"][job.name]
        environment = spec.get("environment")
        name = environment.get("name") if isinstance(environment, dict) else environment
        if name in REVIEWED and not approved:
            job.state = "waiting"
            return
        job.state = "running"
        job.steps = [step["run"] for step in spec["steps"] if command(step.get("run", ""))]
        self.run_until_wait(job)

    def run_until_wait(self, job: Job) -> None:
        while job.steps and job.state == "running":
            if command(job.steps[0]) in WAITS:
                return
            self.publish(job, job.steps.pop(0))
        if job.state == "running":
            job.state = "success"
        self.release(job)

    def publish(self, job: Job, step: str) -> None:
        env = re.search(r"ENV=(\w+)", step)
        assert env, step
        delivery = self.deliveries[job.run]
        rendered = self.branches.render(delivery, batch=f"batch: {delivery.batch_digest}\n")
        try:
            self.branches.publish(env[1], delivery, rendered, hold_batch="HOLD_BATCH=1" in step)
        except Superseded:
            job.state = "superseded" if "SKIP_SUPERSEDED=1" in step else "failure"

    def finish_wait(self, job: Job) -> None:
        """A wait ends: verify passes if staging serves this run; the canary watch either sees this
        run promoted or a newer delivery take over (canary.py), which supersedes it."""
        wait = WAITS[command(job.steps.pop(0))]
        env = "staging" if wait == "verified" else "production"
        serving = self.branches.trailer(env, "Source-Commit") == self.deliveries[job.run].source
        if not serving:
            job.state = "failure" if wait == "verified" else "superseded"
        self.run_until_wait(job)

    def release(self, job: Job) -> None:
        group = self.group_of(job.name)
        slot = self.groups.get(group or "", {})
        if slot.get("running") is job:
            slot["running"], slot["pending"] = slot["pending"], None
            if slot["running"] is not None:
                self.start(slot["running"])
        self.advance(job.run)


def command(run: str) -> str:
    """The make target a step runs, for the steps that publish or wait."""
    found = re.match(r"make (publish|wait-for-revision|wait-for-canary)\b", run)
    return f"make {found[1]}" if found else ""
