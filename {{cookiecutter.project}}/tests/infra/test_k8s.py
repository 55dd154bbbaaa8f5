"""The k8s overlays: each renders, fits the Kubernetes and CRD schemas and follows the deployment policies."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from {{ cookiecutter.package }}.serving.app import create_app
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from .k8s import (
    CUSTOM_GROUPS,
    OVERLAYS,
    OVERLAYS_DIR,
    POD_SECURITY,
    PROJECT,
    CrdSchemas,
    K8sObject,
    api_group,
    containers,
    describe,
    exported_samples,
    kubernetes_errors,
    named,
    only,
    pod_spec,
    promql_selectors,
    render,
    selector_of,
    with_typo,
    workloads,
)

# Per environment: the autoscaler's (min, max) and how the overlay pins the image.
ENVIRONMENTS = {
    "staging": ((1, 2), "@sha256:"),
    "production": ((3, 10), "@sha256:"),
    "preview": ((1, 1), ":"),
}
# Labels Prometheus attaches when it scrapes (the ServiceMonitor adds the pod-template hash).
SCRAPE_LABELS = {
    "namespace",
    "pod",
    "job",
    "instance",
    "service",
    "endpoint",
    "container",
    "rollouts_pod_template_hash",
}


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[K8sObject]]:
    return {env: render(OVERLAYS_DIR / env) for env in OVERLAYS}


@pytest.fixture(scope="session")
def objects(rendered: dict[str, list[K8sObject]]) -> list[K8sObject]:
    return [obj for env_objects in rendered.values() for obj in env_objects]


@pytest.fixture(scope="module")
def served(artifacts_dir: Path) -> Iterator[tuple[set[str], str]]:
    """The app's route paths, and its /metrics text after a few requests."""
    with TestClient(create_app(ServerSettings(model_dir=artifacts_dir))) as client:
        for path in ("/healthz", "/readyz"):
            client.get(path)
        client.post("/predict", json={})
        paths = {str(getattr(route, "path", "")) for route in client.app.routes}  # type: ignore[attr-defined]
        yield paths, client.get("/metrics").text


@pytest.mark.parametrize("env", OVERLAYS)
def test_overlay_puts_every_object_in_its_namespace(rendered: dict[str, list[K8sObject]], env: str) -> None:
    expected = f"{PROJECT}-{env}"
    for obj in rendered[env]:
        where = obj["metadata"]["name"] if obj["kind"] == "Namespace" else obj["metadata"]["namespace"]
        assert where == expected, describe(obj)


def test_every_namespace_an_overlay_creates_enforces_the_restricted_pod_security_profile(
    objects: list[K8sObject],
) -> None:
    """Pod Security Admission reads these labels on the namespace (kubernetes.io/docs/concepts/security/
    pod-security-admission); the Applications label the namespaces they create the same way."""
    for namespace in (obj for obj in objects if obj["kind"] == "Namespace"):
        assert POD_SECURITY.items() <= namespace["metadata"].get("labels", {}).items(), describe(namespace)


@pytest.mark.parametrize("env", OVERLAYS)
def test_overlay_pins_the_server_image_by_digest_or_commit(
    rendered: dict[str, list[K8sObject]], env: str
) -> None:
    kustomization = yaml.safe_load((OVERLAYS_DIR / env / "kustomization.yaml").read_text())
    # render pins exactly these entries: the server's image, and the batch and training images built
    # beside it.
    server, batch, train = kustomization["images"]
    assert batch["name"] == server["name"] + "-batch"
    assert train["name"] == server["name"] + "-train"
    images = {container["image"] for obj in rendered[env] for container in containers(obj)}
    [image] = images
    assert image.startswith(server["name"] + ENVIRONMENTS[env][1])
    assert not image.endswith(":latest")


@pytest.mark.parametrize("env", OVERLAYS)
def test_autoscaler_scales_a_workload_of_the_overlay(rendered: dict[str, list[K8sObject]], env: str) -> None:
    [hpa] = [obj for obj in rendered[env] if obj["kind"] == "HorizontalPodAutoscaler"]
    target = hpa["spec"]["scaleTargetRef"]
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in rendered[env]}
    assert (target["kind"], target["name"]) in names
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == ENVIRONMENTS[env][0]


def test_core_objects_fit_the_kubernetes_schema(objects: list[K8sObject]) -> None:
    core = [obj for obj in objects if api_group(obj) not in CUSTOM_GROUPS]
    assert [error for obj in core for error in kubernetes_errors(obj)] == []


def test_custom_resources_fit_their_crd_schemas(objects: list[K8sObject], crd_schemas: CrdSchemas) -> None:
    custom = [obj for obj in objects if api_group(obj) in CUSTOM_GROUPS]
    assert [error for obj in custom for error in crd_schemas.errors(obj)] == []


def test_a_misspelt_field_in_a_core_object_fails_validation(objects: list[K8sObject]) -> None:
    core = [obj for obj in objects if api_group(obj) not in CUSTOM_GROUPS]
    assert [describe(obj) for obj in core if not kubernetes_errors(with_typo(obj))] == []


def test_a_misspelt_field_in_a_custom_resource_fails_validation(
    objects: list[K8sObject], crd_schemas: CrdSchemas
) -> None:
    custom = [obj for obj in objects if api_group(obj) in CUSTOM_GROUPS]
    assert custom
    assert [describe(obj) for obj in custom if not crd_schemas.errors(with_typo(obj))] == []


def test_containers_have_limits_and_probes(objects: list[K8sObject]) -> None:
    for container in (container for obj in objects for container in containers(obj)):
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= container.keys()


def test_pods_run_as_non_root_on_a_read_only_root(objects: list[K8sObject]) -> None:
    for obj in workloads(objects):
        pod = pod_spec(obj) or {}
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        for container in containers(obj):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("env", OVERLAYS)
def test_selectors_match_the_labels_they_select(rendered: dict[str, list[K8sObject]], env: str) -> None:
    objects = rendered[env]
    pod_labels = only(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    # A canary's pods also carry the Rollout's ephemeral labels (docs/features/ephemeral-metadata.md).
    strategies = [obj["spec"]["strategy"]["canary"] for obj in objects if obj["kind"] == "Rollout"]
    ephemeral = {
        k: v
        for strategy in strategies
        for k, v in strategy.get("canaryMetadata", {}).get("labels", {}).items()
    }
    service_labels = named(objects, "Service", "server")["metadata"]["labels"]
    pod_selecting = {"Deployment", "Rollout", "Service", "PodDisruptionBudget", "NetworkPolicy"}
    for obj in (obj for obj in objects if obj["kind"] in pod_selecting | {"ServiceMonitor"}):
        selected = {**pod_labels, **ephemeral} if obj["kind"] in pod_selecting else service_labels
        selector = selector_of(obj)
        assert selector, describe(obj)
        assert selector.items() <= selected.items(), describe(obj)


def test_service_target_ports_exist_on_containers(objects: list[K8sObject]) -> None:
    ports = {
        key
        for container in (container for obj in objects for container in containers(obj))
        for port in container["ports"]
        for key in (port["name"], port["containerPort"])
    }
    for service in (obj for obj in objects if obj["kind"] == "Service"):
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports


def test_probe_paths_are_routes_the_app_serves(
    objects: list[K8sObject], served: tuple[set[str], str]
) -> None:
    routes, _ = served
    probes = [
        container[probe]["httpGet"]["path"]
        for container in (container for obj in objects for container in containers(obj))
        for probe in ("startupProbe", "readinessProbe", "livenessProbe")
    ]
    assert probes
    assert set(probes) <= routes


def test_analysis_queries_use_only_metrics_the_server_exports(
    objects: list[K8sObject], served: tuple[set[str], str]
) -> None:
    exported = exported_samples(served[1])
    queries = [
        metric["provider"]["prometheus"]["query"]
        for obj in objects
        if obj["kind"] == "AnalysisTemplate"
        for metric in obj["spec"]["metrics"]
    ]
    selectors = [selector for query in queries for selector in promql_selectors(query)]
    assert selectors
    for name, labels in selectors:
        assert name in exported, f"{name} is not on /metrics"
        assert labels - SCRAPE_LABELS <= exported[name], f"{name} lacks labels {labels - exported[name]}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_prediction_id_key_comes_from_its_secret_required_but_in_previews(overlay: str) -> None:
    """A replica with a key of its own signs ids no other replica verifies: staging and production wait
    for the Secret; a preview, one pod in a namespace made for the pull request, makes its key at start."""
    deployments = [obj for obj in render(OVERLAYS_DIR / overlay) if obj["kind"] == "Deployment"]
    [server] = [c for obj in deployments for c in containers(obj) if c["name"] == "server"]
    refs = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in server["env"]}
    assert {ref["name"] for ref in refs.values()} == {f"{PROJECT}-prediction-ids"}
    assert {name: (ref["key"], ref["optional"]) for name, ref in refs.items()} == {
        "APP_PREDICTION_ID_KEY": ("current", overlay == "preview"),
        "APP_PREDICTION_ID_KEY_ID": ("current-id", overlay == "preview"),
        "APP_PREDICTION_ID_PREVIOUS_KEY": ("previous", True),
        "APP_PREDICTION_ID_PREVIOUS_KEY_ID": ("previous-id", True),
    }
