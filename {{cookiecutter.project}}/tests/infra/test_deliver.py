"""The deliver workflow, job by job, as docs/delivery.md describes it: one chain, one concurrency group,
both images built and signed, each environment published once and in order, the canary's rollback.

Rules of GitHub Actions cited below are from docs.github.com/en/actions/reference/workflows-and-actions:
workflow-syntax (concurrency, environments, permissions), contexts (steps) and deployments-and-environments.
"""

import re

import pytest

from .. import PROJECT_DIR
from .test_workflows import expression, load, steps


def test_deliver_shows_each_stage_as_its_own_job() -> None:
    """One chain: test -> validate -> build -> staging (publish and verify) -> canary -> promote."""
    needs = {job_id: job.get("needs", []) for job_id, job in load("deliver")["jobs"].items()}
    assert needs == {
        "test": [],
        "validate": ["test"],
        "build": ["validate"],
        "staging": ["build"],
        "canary": ["build", "staging"],
        "promote": ["canary"],
    }


def test_only_staging_holds_a_concurrency_group_and_nothing_waits_for_an_approval_in_one() -> None:
    """At most one running and one pending job per group; a newer pending one cancels the older pending
    one (workflow-syntax, concurrency). A group shared by two jobs of a delivery lets an old run's
    second job cancel a newer run's first; a group on the job that waits for the production approval
    queues newer canaries behind it (test_concurrency.py plays both through)."""
    deliver = load("deliver")
    assert "concurrency" not in deliver
    groups = {job_id: job["concurrency"] for job_id, job in deliver["jobs"].items() if "concurrency" in job}
    assert groups == {"staging": {"group": "deliver-staging", "cancel-in-progress": False}}


@pytest.mark.parametrize(("job_id", "publish_id"), [("staging", "publish"), ("canary", "pin")])
def test_a_superseded_delivery_skips_every_step_after_its_publish_and_every_job_after_it(
    job_id: str, publish_id: str
) -> None:
    """publish --skip-superseded records superseded=<commit> (steps context, outputs); each later step
    of the job checks it, and so does each later job through the job's outputs."""
    jobs = load("deliver")["jobs"]
    steps = jobs[job_id]["steps"]
    ids = [step.get("id") for step in steps]
    publish = steps[ids.index(publish_id)]
    assert "SKIP_SUPERSEDED=1" in publish["run"]
    assert 'RECORD="$GITHUB_OUTPUT"' in publish["run"]
    assert 'SUMMARY="$GITHUB_STEP_SUMMARY"' in publish["run"]
    for step in steps[ids.index(publish_id) + 1 :]:
        condition = str(step.get("if", ""))
        assert "outputs.superseded == ''" in condition or condition.startswith("failure()"), step
    assert f"steps.{publish_id}.outputs.superseded" in jobs[job_id]["outputs"]["superseded"]
    later = next(name for name, job in jobs.items() if job_id in job.get("needs", []))
    assert jobs[later]["if"].startswith(f"needs.{job_id}.outputs.superseded == ''")


def test_the_dockerfile_has_the_batch_target_the_build_pushes() -> None:
    """`--target batch` names a stage of the Dockerfile, and the serving image stays its last stage,
    which a build without a target produces (issue 16 adds the stage; this holds once it is merged)."""
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", dockerfile, re.MULTILINE | re.IGNORECASE)
    assert {"batch", "train"} <= set(stages)
    assert stages[-1] not in {"batch", "train"}


def test_jobs_that_publish_check_out_the_whole_history() -> None:
    """publish orders the new commit against the one the branch runs with git merge-base
    --is-ancestor, which needs the commits between them; actions/checkout fetches one by default."""
    for job_id, job in load("deliver")["jobs"].items():
        if any(step.get("run", "").startswith("make publish ") for step in job["steps"]):
            [checkout] = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
            assert checkout["with"]["fetch-depth"] == 0, job_id


def test_the_build_pushes_and_signs_the_batch_and_training_images_of_the_same_commit() -> None:
    """The Dockerfile's `batch` and `train` targets, under the serving image's name plus -batch and -train
    (the names the components and the overlays' images: pin); only the training image has no model."""
    build = load("deliver")["jobs"]["build"]
    pushes = {
        step["id"]: step["with"] for step in build["steps"] if "build-push-action" in str(step.get("uses"))
    }
    assert pushes["push-batch"]["target"] == "batch"
    assert "target" not in pushes["push"]
    assert pushes["push-batch"]["tags"] == pushes["push"]["tags"].replace(":", "-batch:", 1)
    assert pushes["push-batch"]["build-args"] == pushes["push"]["build-args"]
    assert pushes["push-train"]["target"] == "train"
    assert pushes["push-train"]["tags"] == pushes["push"]["tags"].replace(":", "-train:", 1)
    serving_args = pushes["push"]["build-args"].splitlines()
    assert pushes["push-train"]["build-args"].splitlines() == [a for a in serving_args if "MODEL_" not in a]
    [sign] = [step for step in build["steps"] if step.get("name") == "cosign sign"]
    assert sign["run"].splitlines() == [
        'cosign sign --yes "${IMAGE}@${DIGEST}"',
        'cosign sign --yes "${IMAGE}-batch@${BATCH_DIGEST}"',
        'cosign sign --yes "${IMAGE}-train@${TRAIN_DIGEST}"',
    ]
    assert build["outputs"]["batch-digest"] == expression("steps.push-batch.outputs.digest")
    assert build["outputs"]["train-digest"] == expression("steps.push-train.outputs.digest")


def test_production_waits_for_approval_and_rolls_back_only_this_runs_pin_when_the_canary_failed() -> None:
    """`steps.<id>.outcome` is the step's own result (contexts, steps context); a release that fails
    later, in promote, can therefore never revert a healthy production."""
    jobs = load("deliver")["jobs"]
    environments = {job_id: job["environment"] for job_id, job in jobs.items() if "environment" in job}
    assert environments["staging"] == "staging"
    assert environments["canary"]["name"] == "production"
    # validate names the environment of the read-only registry token, for the version model.lock pins.
    assert environments["validate"] == "model-registry"
    assert set(environments) == {"staging", "canary", "validate"}
    canary = {step.get("id", step.get("name")): step for step in jobs["canary"]["steps"]}
    assert canary["wait"]["run"].startswith("make wait-for-canary ")
    assert canary["rollback"]["if"] == "failure() && steps.wait.outcome == 'failure'"
    assert canary["rollback"]["env"]["PROMOTION"] == expression("steps.pin.outputs.commit")
    assert 'RECORD="$GITHUB_OUTPUT"' in canary["pin"]["run"]
    assert all("rollback" not in step.get("run", "") for step in jobs["promote"]["steps"])
    assert not any("failure()" in str(job.get("if", "")) for job in jobs.values())


def test_the_release_is_named_after_the_commit_so_a_rerun_writes_nothing_new() -> None:
    [release] = [step["run"] for _, step in steps(load("deliver")) if "make release" in step.get("run", "")]
    assert 'TAG="production-${GITHUB_SHA:0:12}"' in release


def test_production_renders_the_commit_and_digests_that_staging_rendered() -> None:
    jobs = load("deliver")["jobs"]
    for job_id in ("staging", "canary"):
        [render] = [step for step in jobs[job_id]["steps"] if step.get("run", "").startswith("make render ")]
        assert 'SOURCE="$GITHUB_SHA"' in render["run"]
        assert render["env"]["DIGEST"] == expression("needs.build.outputs.digest")
        assert render["env"]["BATCH_DIGEST"] == expression("needs.build.outputs.batch-digest")
        assert render["env"]["TRAIN_DIGEST"] == expression("needs.build.outputs.train-digest")


def test_production_batch_workloads_move_only_after_the_canary_is_promoted() -> None:
    """The pin holds the batch workloads; a second publish, only once the watch succeeded, moves them."""
    steps = {step.get("id"): step for step in load("deliver")["jobs"]["canary"]["steps"]}
    assert "HOLD_BATCH=1" in steps["pin"]["run"]
    assert "HOLD_BATCH" not in steps["promote-batch"]["run"]
    assert steps["promote-batch"]["if"] == PROMOTED


# The canary job's steps that finish a promoted delivery: only after a watch that saw the promotion
# itself, neither superseded nor handed over to the A/B stage.
PROMOTED = (
    "steps.wait.outcome == 'success' && steps.wait.outputs.superseded == '' "
    "&& steps.wait.outputs.handed-over == ''"
)


def test_a_canary_handed_over_to_the_a_b_stage_defers_batch_registry_and_release_and_is_not_rolled_back() -> (
    None
):
    """The watch records handed-over=<split> and succeeds: `failure()` is false, so the rollback does
    not run (expressions, status check functions); every step after it, and promote, wait for a re-run
    of this job that sees the promotion (docs/delivery.md, "The hand-off")."""
    jobs = load("deliver")["jobs"]
    canary = jobs["canary"]
    ids = [step.get("id", step.get("name")) for step in canary["steps"]]
    for step in canary["steps"][ids.index("wait") + 1 :]:
        assert step["if"] in (PROMOTED, "failure() && steps.wait.outcome == 'failure'"), step
    assert canary["outputs"]["handed-over"] == expression("steps.wait.outputs.handed-over")
    assert "needs.canary.outputs.handed-over == ''" in jobs["promote"]["if"]
    wait = canary["steps"][ids.index("wait")]["run"]
    assert 'RECORD="$GITHUB_OUTPUT"' in wait
    assert 'SUMMARY="$GITHUB_STEP_SUMMARY"' in wait
    runs = [step.get("run", "") for step in canary["steps"]]
    render = next(i for i, run in enumerate(runs) if run.startswith("make render "))
    assert render < ids.index("wait"), "the watch reads the stage from this run's production render"


def test_the_watch_target_reads_the_stage_from_the_production_render() -> None:
    recipe = (PROJECT_DIR / "Makefile").read_text().split("\nwait-for-canary:")[1].split("\n\n")[0]
    assert "--rendered build/rendered/production" in recipe


def test_probes_match_the_image_digest_and_the_model_not_only_the_commit() -> None:
    for job_id, command in (("staging", "make wait-for-revision "), ("canary", "make wait-for-canary ")):
        [step] = [s for s in load("deliver")["jobs"][job_id]["steps"] if s.get("run", "").startswith(command)]
        assert 'DIGEST="$DIGEST"' in step["run"]
        assert 'MODEL_SHA256="$MODEL_SHA256"' in step["run"]
        assert step["env"]["DIGEST"] == expression("needs.build.outputs.digest")
