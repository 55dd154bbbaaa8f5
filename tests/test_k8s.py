"""The k8s objects of every bake: each overlay renders with kustomize, carries its identity, validates."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
from baking import COMBINATIONS, bake, combination_id, default, project_env
from readers import kustomize

# Lower bound of the HorizontalPodAutoscaler per environment: what "replica count" means here.
MIN_REPLICAS = {"staging": 1, "production": 3, "preview": 1}
# The bake's own tests of its Kubernetes objects, Argo CD applications, projects and code owners.
BAKED_K8S_TESTS = [
    "tests/infra/test_k8s.py",
    "tests/infra/test_argocd.py",
    "tests/infra/test_fences.py",
    "tests/infra/test_codeowners.py",
]
# The answers that reach a Kubernetes object; combinations differing only elsewhere render the same.
K8S_ANSWERS = (
    "project", "description", "github_owner", "staging_host", "production_host", "include_preview", "traffic",
    "gateway_name", "gateway_namespace", "gateway_proxy_namespace",
)  # fmt: skip


def answer(combination: dict[str, Any], key: str) -> Any:
    return combination.get(key, default(key))


def k8s_combinations() -> list[dict[str, Any]]:
    """One combination per distinct set of the answers that reach Kubernetes."""
    distinct: dict[tuple[Any, ...], dict[str, Any]] = {}
    for combination in COMBINATIONS:
        distinct.setdefault(tuple(answer(combination, key) for key in K8S_ANSWERS), combination)
    return list(distinct.values())


def environments(combination: dict[str, Any]) -> list[str]:
    return ["staging", "production"] + (["preview"] if answer(combination, "include_preview") else [])


def test_overlays_render_with_namespace_image_and_replicas(
    tmp_path: Path, combination: dict[str, Any]
) -> None:
    project_name = answer(combination, "project")
    image = f"ghcr.io/{answer(combination, 'github_owner').lower()}/{project_name}"
    project = bake(tmp_path, **combination)
    assert sorted(p.name for p in (project / "k8s/overlays").iterdir()) == sorted(environments(combination))
    for env in environments(combination):
        objects = kustomize(project / "k8s/overlays" / env)
        by_kind = {obj["kind"]: obj for obj in objects}
        namespaced = [obj for obj in objects if obj["kind"] != "Namespace"]
        assert {obj["metadata"]["namespace"] for obj in namespaced} == {f"{project_name}-{env}"}
        containers = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"]
        assert all(
            c["image"].startswith(f"{image}@sha256:") or c["image"].startswith(f"{image}:")
            for c in containers
        )
        assert by_kind["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == MIN_REPLICAS[env]
        assert ("Rollout" in by_kind) == (env == "production")
        assert ("Namespace" in by_kind) == (env == "preview")
        assert_entry(combination, by_kind)


def assert_entry(combination: dict[str, Any], by_kind: dict[str, Any]) -> None:
    """Requests enter by an HTTPRoute on the Gateway the answers name, or by an Ingress; never both."""
    if answer(combination, "traffic") == "ingress":
        assert "Ingress" in by_kind
        assert "HTTPRoute" not in by_kind
        return
    assert "Ingress" not in by_kind
    [parent] = by_kind["HTTPRoute"]["spec"]["parentRefs"]
    assert (parent["name"], parent["namespace"]) == (
        answer(combination, "gateway_name"),
        answer(combination, "gateway_namespace"),
    )
    [source, _prometheus] = by_kind["NetworkPolicy"]["spec"]["ingress"][:2]
    [peer] = source["from"]
    proxies = answer(combination, "gateway_proxy_namespace")
    # Its default is the Gateway's namespace, rendered from that answer.
    expected = answer(combination, "gateway_namespace") if proxies.startswith("{{") else proxies
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": expected}


@pytest.fixture(scope="session")
def shared_envs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv per Python version, reused across bakes: only the project itself is reinstalled."""
    return tmp_path_factory.mktemp("venvs")


@pytest.mark.slow
@pytest.mark.parametrize("answers", k8s_combinations(), ids=combination_id)
def test_every_bake_validates_its_k8s_objects_against_kubernetes_and_crd_schemas(
    tmp_path: Path, answers: dict[str, Any], shared_envs: Path
) -> None:
    project = bake(tmp_path, **answers)
    python = (project / ".python-version").read_text().strip()
    env = {**project_env(), "UV_PROJECT_ENVIRONMENT": str(shared_envs / python)}
    for command in (
        ["uv", "sync", "--frozen"],
        ["uv", "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider", *BAKED_K8S_TESTS],
    ):
        result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
