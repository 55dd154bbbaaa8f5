"""The training component, enabled in each overlay: valid objects, Jobs made from its CronJobs as Argo CD's
"Create Job" action makes them, the training image, commands the CLI takes, an Indexed Job whose shards
match model.toml's search, pods as locked down as the server's, and egress to the stores only."""

import re
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.model.config import load_config

from .. import PROJECT_DIR
from .argocd import argocd_objects, project_of, project_permits
from .components import handler_of, rendered_with, server_image, shards_of
from .k8s import (
    CUSTOM_GROUPS,
    OVERLAYS,
    PROJECT,
    K8sObject,
    api_group,
    containers,
    describe,
    kubernetes_errors,
    named,
    pod_spec,
    with_typo,
)
from .test_argocd import deployed
from .test_k8s_hardening import peer, restricted_violations

objects = rendered_with("training")


def job_from(cron: K8sObject) -> K8sObject:
    """The Job Argo CD's "Create Job" action makes from a CronJob (argo-cd resource_customizations/batch/
    CronJob/actions/create-job/action.lua), as `kubectl create job --from=cronjob/...` does."""
    template = cron["spec"]["jobTemplate"]
    metadata = {**template.get("metadata", {}), "name": cron["metadata"]["name"] + "-202601010000"}
    metadata["namespace"] = cron["metadata"]["namespace"]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template["spec"]}


def test_the_training_objects_and_the_jobs_they_make_fit_the_kubernetes_schema(
    objects: list[K8sObject],
) -> None:
    core = [obj for obj in objects if api_group(obj) not in CUSTOM_GROUPS]
    jobs = [job_from(named(objects, "CronJob", name)) for name in ("retrain", "tune")]
    assert [error for obj in [*core, *jobs] for error in kubernetes_errors(obj)] == []
    assert [describe(job) for job in jobs if not kubernetes_errors(with_typo(job))] == []
    assert jobs[1]["spec"]["completionMode"] == "Indexed"


def test_the_cronjobs_run_the_training_image_built_beside_the_server_s(objects: list[K8sObject]) -> None:
    name, pin = server_image(objects)
    for suffix in ("retrain", "tune"):
        [trainer] = containers(named(objects, "CronJob", suffix))
        assert trainer["image"].startswith(f"{name}-train")
        assert trainer["image"].removeprefix(f"{name}-train")[1:] == pin


def test_retrain_runs_the_retrain_command_one_at_a_time_failing_at_once_on_a_cli_error(
    objects: list[K8sObject],
) -> None:
    cron = named(objects, "CronJob", "retrain")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert "suspend" not in cron["spec"]
    [trainer] = containers(cron)
    assert handler_of(trainer["command"]) == "run_retrain"
    [rule] = cron["spec"]["jobTemplate"]["spec"]["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailJob"
    assert rule["onExitCodes"] == {"containerName": trainer["name"], "operator": "In", "values": [1, 2]}


def test_each_shard_of_the_search_runs_its_trials_under_the_job_s_uid(objects: list[K8sObject]) -> None:
    cron = named(objects, "CronJob", "tune")
    job = cron["spec"]["jobTemplate"]["spec"]
    [tune] = containers(cron)
    command = tune["command"]
    shards = shards_of(command)
    # Indexes run 0..completions-1; --trial I/N covers every trial when N equals completions, and the
    # CLI refuses more shards than the search has trials.
    config = load_config(PROJECT_DIR / "model.toml")
    if config.train.search is None:
        pytest.skip("model.toml has no [train.search]: the tuning Job's shards have no trials to cover")
    # Imported here: it loads scikit-learn, which each test process would pay to collect this file.
    from {{ cookiecutter.package }}.model.search import expand

    assert job["completions"] == shards <= len(expand(config.train.search, config.train.seed))
    assert 2 <= job["parallelism"] <= shards
    assert (job["backoffLimitPerIndex"], job["maxFailedIndexes"]) == (1, 0)
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    [search] = [env for env in tune["env"] if env["name"] == "SEARCH_ID"]
    assert (
        search["valueFrom"]["fieldRef"]["fieldPath"]
        == "metadata.labels['batch.kubernetes.io/controller-uid']"
    )
    assert handler_of(command) == "run_tune"
    assert cron["spec"]["suspend"] is True


def test_the_training_pods_meet_the_restricted_profile_with_their_own_identity(
    objects: list[K8sObject],
) -> None:
    [account] = [
        obj for obj in objects if obj["kind"] == "ServiceAccount" and "trainer" in obj["metadata"]["name"]
    ]
    for suffix in ("retrain", "tune"):
        cron = named(objects, "CronJob", suffix)
        pod = pod_spec(cron)
        assert pod is not None
        assert restricted_violations(pod) == []
        assert pod["serviceAccountName"] == account["metadata"]["name"]
        assert pod["automountServiceAccountToken"] is False
        labels = cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
        # AKS injects the workload-identity token only into pods labelled so (azure-workload-identity docs).
        assert labels["azure.workload.identity/use"] == "true"
        [trainer] = containers(cron)
        assert trainer["securityContext"]["readOnlyRootFilesystem"] is True
        assert {mount["mountPath"] for mount in trainer["volumeMounts"]} == {"/tmp"}


def test_training_pods_reach_dns_the_tracking_server_and_public_https_only(objects: list[K8sObject]) -> None:
    [policy] = [
        obj
        for obj in objects
        if obj["kind"] == "NetworkPolicy" and "training" in str(obj["spec"]["podSelector"])
    ]
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in spec
    dns, tracking, stores = spec["egress"]
    assert dns["to"] == [peer("kube-system", "k8s-app", "kube-dns")]
    assert tracking["to"] == [peer("mlflow")]
    uri = next(obj for obj in objects if obj["kind"] == "ConfigMap" and "training" in obj["metadata"]["name"])
    assert uri["data"]["MLFLOW_TRACKING_URI"].split("//")[1].split(":")[0].split(".")[1] == "mlflow"
    assert tracking["ports"] == [
        {"port": int(uri["data"]["MLFLOW_TRACKING_URI"].rsplit(":", 1)[1]), "protocol": "TCP"}
    ]
    [block] = stores["to"]
    assert block["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(
        block["ipBlock"]["except"]
    )
    assert stores["ports"] == [{"port": 443, "protocol": "TCP"}]


def test_the_environments_project_admits_the_jobs_a_run_now_makes_and_the_previews_do_not() -> None:
    """Argo CD checks a resource action's new object against the Application's project before it creates
    it (argo-cd server/application/application.go, runResourceAction -> verifyResourcePermitted)."""
    found = argocd_objects()
    projects = {obj["metadata"]["name"]: obj for obj in found if obj["kind"] == "AppProject"}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": f"{PROJECT}-tune-1"}}
    assert project_permits(projects[PROJECT], job, f"{PROJECT}-production")
    if f"{PROJECT}-preview" in projects:
        assert not project_permits(projects[f"{PROJECT}-preview"], job, f"{PROJECT}-pr-7")


def test_a_preview_with_the_training_component_fails_its_sync(tmp_path: Path) -> None:
    """A pull request controls its preview overlay: one that adds the training component would run PR code
    on a schedule, with the trainer's service account, beside the tracking server (issue 22, attack M1).
    Argo CD refuses the whole sync when one object is not permitted (gitops-engine
    pkg/sync/sync_context.go:478-500), and the preview project admits no CronJob or Job."""
    found = argocd_objects()
    previews = [
        obj
        for obj in found
        if obj["kind"] == "Application" and obj["spec"]["project"] == f"{PROJECT}-preview"
    ]
    if not previews:
        pytest.skip("this project has no previews")
    [app] = previews
    namespace = app["spec"]["destination"]["namespace"]
    project = project_of(found, app)
    synced = deployed(app, tmp_path, "training")
    refused = {
        (obj["kind"], obj["metadata"]["name"])
        for obj in synced
        if not project_permits(project, obj, namespace)
    }
    assert refused == {("CronJob", f"{PROJECT}-retrain"), ("CronJob", f"{PROJECT}-tune")}


def test_the_readme_starts_a_run_from_a_cronjob_this_component_renders(objects: list[K8sObject]) -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    for namespace, cron, job in re.findall(
        r"kubectl -n (\S+) create job --from=cronjob/(\S+) (\S+)`", readme
    ):
        assert cron in {obj["metadata"]["name"] for obj in objects if obj["kind"] == "CronJob"}
        assert namespace.removeprefix(f"{PROJECT}-") in OVERLAYS
        assert len(job) <= 63
