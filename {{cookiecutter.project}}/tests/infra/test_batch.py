"""The batch component, enabled in each overlay: valid objects, the server's image, a sharded CronJob
whose command the project's own CLI accepts, and a pod as locked down as the server's."""

from pathlib import Path

from {{ cookiecutter.package }}.batch.settings import BatchSettings

from .components import handler_of, rendered_with, server_image, shards_of
from .k8s import (
    CUSTOM_GROUPS,
    K8sObject,
    api_group,
    containers,
    kubernetes_errors,
    only,
    pod_spec,
    with_typo,
)
from .test_k8s_hardening import restricted_violations

objects = rendered_with("batch")


def test_the_batch_objects_fit_the_kubernetes_schema(objects: list[K8sObject]) -> None:
    core = [obj for obj in objects if api_group(obj) not in CUSTOM_GROUPS]
    assert {"CronJob", "PersistentVolumeClaim"} <= {obj["kind"] for obj in core}
    assert [error for obj in core for error in kubernetes_errors(obj)] == []
    assert kubernetes_errors(with_typo(only(objects, "CronJob")))


def test_the_cronjob_runs_the_batch_image_of_the_server_s_build(objects: list[K8sObject]) -> None:
    """The batch image is the serving image plus pyarrow, pushed as <image>-batch by the same build;
    each overlay pins it apart from the server's, so production moves it only after its canary."""
    name, pin = server_image(objects)
    [score] = containers(only(objects, "CronJob"))
    assert score["image"].startswith(f"{name}-batch")
    assert score["image"].removeprefix(f"{name}-batch")[1:] == pin
    namespaces = {obj["metadata"].get("namespace") for obj in objects if obj["kind"] != "Namespace"}
    assert len(namespaces) == 1


def test_each_pod_scores_its_own_shard_of_n(objects: list[K8sObject]) -> None:
    job = only(objects, "CronJob")["spec"]["jobTemplate"]["spec"]
    [score] = containers(only(objects, "CronJob"))
    command = score["command"]
    assert command[:3] == ["python", "-m", "{{ cookiecutter.package }}"]
    shards = shards_of(command)
    # Indexes run 0..completions-1, so --shard I/N covers the input exactly when N equals completions.
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == shards
    assert job["parallelism"] <= shards
    # backoffLimitPerIndex needs an Indexed Job whose pods are never restarted in place
    # (https://kubernetes.io/docs/concepts/workloads/controllers/job/#backoff-limit-per-index).
    assert "backoffLimitPerIndex" in job
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert handler_of(command) == "run_score"


def test_two_runs_never_overlap(objects: list[K8sObject]) -> None:
    assert only(objects, "CronJob")["spec"]["concurrencyPolicy"] == "Forbid"


def batch_config(objects: list[K8sObject]) -> dict[str, str]:
    """The literals of the ConfigMap the batch container reads its environment from."""
    [score] = containers(only(objects, "CronJob"))
    [reference] = [source["configMapRef"]["name"] for source in score["envFrom"]]
    config = next(
        obj for obj in objects if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == reference
    )
    data: dict[str, str] = config["data"]
    return data


def test_the_batch_settings_are_settings_the_command_reads(objects: list[K8sObject]) -> None:
    config = {"data": batch_config(objects)}
    fields = {f"APP_{name.upper()}" for name in BatchSettings.model_fields}
    assert set(config["data"]) <= fields
    assert {"APP_SCORE_INPUT", "APP_SCORE_OUTPUT"} <= set(config["data"])
    settings = BatchSettings.model_validate(
        {key.removeprefix("APP_").lower(): value for key, value in config["data"].items()}
    )
    assert settings.score_output is not None


def test_the_batch_pod_meets_the_restricted_profile_and_mounts_its_data(objects: list[K8sObject]) -> None:
    pod = pod_spec(only(objects, "CronJob"))
    assert pod is not None
    assert restricted_violations(pod) == []
    claim = only(objects, "PersistentVolumeClaim")["metadata"]["name"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == claim
    [score] = containers(only(objects, "CronJob"))
    assert {mount["mountPath"] for mount in score["volumeMounts"]} == {"/data", "/tmp"}
    config = batch_config(objects)
    assert all(Path(config[key]).is_relative_to("/data") for key in ("APP_SCORE_INPUT", "APP_SCORE_OUTPUT"))


def test_batch_pods_get_no_network(objects: list[K8sObject]) -> None:
    policies = [obj for obj in objects if obj["kind"] == "NetworkPolicy"]
    batch = next(p for p in policies if "batch" in str(p["spec"]["podSelector"]))
    assert batch["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in batch["spec"]
    assert "egress" not in batch["spec"]
