"""Every overlay of every bake renders with kustomize, carries the right identity, and validates."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from baking import bake, project_env

# Lower bound of the HorizontalPodAutoscaler per environment: what "replica count" means here.
MIN_REPLICAS = {"staging": 1, "production": 3, "preview": 1}


def kustomize(overlay: Path) -> list[dict[str, Any]]:
    """Render with `kustomize build`, or `kubectl kustomize`; neither on PATH is a failure."""
    if shutil.which("kustomize"):
        command = ["kustomize", "build", str(overlay)]
    else:
        assert shutil.which("kubectl"), "neither kustomize nor kubectl is on PATH"
        command = ["kubectl", "kustomize", str(overlay)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def answer(combination: dict[str, Any], key: str) -> Any:
    defaults = {"project": "ml-service", "github_owner": "my-org", "include_preview": True}
    return combination.get(key, defaults.get(key))


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


@pytest.fixture(scope="session")
def shared_envs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv per Python version, reused across bakes: only the project itself is reinstalled."""
    return tmp_path_factory.mktemp("venvs")


@pytest.mark.slow
def test_every_bake_validates_its_manifests_against_kubernetes_and_crd_schemas(
    tmp_path: Path, combination: dict[str, Any], shared_envs: Path
) -> None:
    project = bake(tmp_path, **combination)
    python = (project / ".python-version").read_text().strip()
    env = {**project_env(), "UV_PROJECT_ENVIRONMENT": str(shared_envs / python)}
    tests = ["tests/test_manifests.py", "tests/test_argocd.py"]
    for command in (
        ["uv", "sync", "--frozen"],
        ["uv", "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider", *tests],
    ):
        result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
