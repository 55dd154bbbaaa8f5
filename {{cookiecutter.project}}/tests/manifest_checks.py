"""Render the deploy manifests with kustomize and validate them against Kubernetes and CRD schemas."""

import copy
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from jsonschema import Draft7Validator
from prometheus_client.parser import text_string_to_metric_families

Manifest = dict[str, Any]

PROJECT_DIR = Path(__file__).resolve().parents[1]
OVERLAYS_DIR = PROJECT_DIR / "k8s" / "overlays"
ARGOCD_DIR = PROJECT_DIR / "argocd"
PROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["name"]
OVERLAYS = sorted(path.name for path in OVERLAYS_DIR.iterdir() if path.is_dir())
# The Kubernetes release whose API the manifests must fit; raise it with the clusters.
KUBERNETES_VERSION = "1.32"
# API groups whose kinds come from CRDs (Argo CD, Argo Rollouts, Prometheus Operator).
CUSTOM_GROUPS = frozenset({"argoproj.io", "monitoring.coreos.com"})


def kustomize_command() -> list[str]:
    """`kustomize build` when installed, else the copy built into kubectl."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    raise FileNotFoundError("neither kustomize nor kubectl is on PATH; install one to render k8s/overlays")


def render(directory: Path) -> list[Manifest]:
    result = subprocess.run(
        [*kustomize_command(), str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize build {directory} failed:\n{result.stderr}")
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def load_documents(path: Path) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def api_group(manifest: Manifest) -> str:
    api_version: str = manifest["apiVersion"]
    return api_version.rpartition("/")[0]


def describe(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def kubernetes_errors(manifest: Manifest) -> list[str]:
    """Errors of a built-in kind against the pinned release's schema, unknown fields included."""
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        return [f"{describe(manifest)}: {path}: {error.message}"]
    return []


def close_schema(node: Any) -> None:
    """Forbid unknown fields in every object schema that lists its properties and allows no others."""
    if isinstance(node, list):
        for item in node:
            close_schema(item)
        return
    if not isinstance(node, dict):
        return
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        node["additionalProperties"] = False
    for value in node.values():
        close_schema(value)


class CrdSchemas:
    """The openAPIV3Schema of each CRD version found in a directory, closed to unknown fields."""

    def __init__(self, directory: Path) -> None:
        self.validators: dict[tuple[str, str], Draft7Validator] = {}
        for path in sorted(directory.glob("*.yaml")):
            for document in load_documents(path):
                if document.get("kind") == "CustomResourceDefinition":
                    self._add(document)

    def _add(self, crd: Manifest) -> None:
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            close_schema(schema)
            key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            self.validators[key] = Draft7Validator(schema)

    def errors(self, manifest: Manifest) -> list[str]:
        validator = self.validators.get((manifest["apiVersion"], manifest["kind"]))
        if validator is None:
            return [f"{describe(manifest)}: no CRD schema for {manifest['apiVersion']}"]
        return [
            f"{describe(manifest)}: {'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(manifest)
        ]


def containers(manifest: Manifest) -> Iterator[Manifest]:
    pod = pod_spec(manifest)
    if pod is not None:
        yield from pod.get("initContainers", [])
        yield from pod["containers"]


def pod_spec(manifest: Manifest) -> Manifest | None:
    template = manifest.get("spec", {}).get("template")
    if manifest["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job", "Rollout"} and template:
        spec: Manifest = template["spec"]
        return spec
    return None


# PromQL: a metric name is the identifier before a `{...}` selector; label matchers sit inside it.
PROMQL_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
PROMQL_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


def promql_selectors(query: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names) of every selector in a query."""
    return [
        (name, set(PROMQL_MATCHER.findall(matchers))) for name, matchers in PROMQL_SELECTOR.findall(query)
    ]


def with_typo(manifest: Manifest) -> Manifest:
    """A copy with a misspelt field in its spec (or at the top when it has none) and in each container."""
    mutated = copy.deepcopy(manifest)
    target = mutated["spec"] if isinstance(mutated.get("spec"), dict) else mutated
    target["replicaz"] = 1
    for container in containers(mutated):
        container["imagePullPolcy"] = "Always"
    return mutated


def selector_of(manifest: Manifest) -> dict[str, str]:
    spec = manifest["spec"]
    if manifest["kind"] == "Service":
        service_selector: dict[str, str] = spec["selector"]
        return service_selector
    selector: dict[str, str] = (
        spec["podSelector"] if manifest["kind"] == "NetworkPolicy" else spec["selector"]
    )["matchLabels"]
    return selector


def only(manifests: list[Manifest], kind: str) -> Manifest:
    [found] = [manifest for manifest in manifests if manifest["kind"] == kind]
    return found


def exported_samples(metrics_text: str) -> dict[str, set[str]]:
    """Label names seen on each sample name (`x_total`, `x_bucket`...) of a /metrics page."""
    samples: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            samples.setdefault(sample.name, set()).update(sample.labels)
    return samples


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    return [manifest for manifest in manifests if pod_spec(manifest) is not None]


CRD_HOWTO = (
    "set CRD_SCHEMAS_DIR to a directory holding the Argo CD, Argo Rollouts and ServiceMonitor CRD files "
    "(docs/deploy.md says where to download them)"
)


def load_crd_schemas() -> CrdSchemas:
    """The schemas in $CRD_SCHEMAS_DIR; skipped when unset on a laptop, a failure on CI."""
    directory = os.environ.get("CRD_SCHEMAS_DIR")
    if not directory:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CRD_SCHEMAS_DIR is unset on CI: {CRD_HOWTO}")
        pytest.skip(f"CRD_SCHEMAS_DIR is unset: {CRD_HOWTO}")
    return CrdSchemas(Path(directory))
