"""Render the k8s objects with kustomize and validate them against Kubernetes and CRD schemas."""

import copy
import functools
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
from jsonschema import Draft7Validator
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package }}.delivery.kustomize import documents

from .. import PROJECT_DIR

# kubernetes_validate reads its schema files again for every object it validates, the definitions a
# megabyte of JSON each time: read each once per test process (7 objects: 73 ms, then 9 ms).
kubernetes_validate.utils.schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)

K8sObject = dict[str, Any]

OVERLAYS_DIR = PROJECT_DIR / "k8s" / "overlays"
ARGOCD_DIR = PROJECT_DIR / "argocd"
PROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["name"]
OVERLAYS = sorted(path.name for path in OVERLAYS_DIR.iterdir() if path.is_dir())
# The Kubernetes release whose API the objects must fit; raise it with the clusters.
KUBERNETES_VERSION = "1.32"
# API groups whose kinds come from CRDs (Argo CD, Argo Rollouts, Prometheus Operator, Sigstore, Gateway API).
CUSTOM_GROUPS = frozenset(
    {"argoproj.io", "monitoring.coreos.com", "policy.sigstore.dev", "gateway.networking.k8s.io"}
)
# How requests enter the cluster (the template's `traffic` answer): the kind that routes them, and the
# namespace they come from, which the NetworkPolicy admits.
ENTRY_KIND = "{{ 'HTTPRoute' if cookiecutter.traffic == 'gateway-api' else 'Ingress' }}"
ENTRY_NAMESPACE = "{{ cookiecutter.gateway_proxy_namespace if cookiecutter.traffic == 'gateway-api' else 'ingress-nginx' }}"
# The server pods of the same namespace as a NetworkPolicy peer: in production on the Gateway API, a
# canary asks the stable pods what they answer (the shadow stage's agreement).
SERVER_PODS = {"podSelector": {"matchLabels": {"app.kubernetes.io/component": "server"}}}
# Pod Security Admission labels every namespace carries: pods must meet the "restricted" profile.
POD_SECURITY = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
}


def kustomize_command() -> list[str]:
    """`kustomize build` when installed, else the copy built into kubectl."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    raise FileNotFoundError("neither kustomize nor kubectl is on PATH; install one to render k8s/overlays")


def render(directory: Path) -> list[K8sObject]:
    result = subprocess.run(
        [*kustomize_command(), str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize build {directory} failed:\n{result.stderr}")
    return parse_documents(result.stdout)


def render_with_component(overlay: str, component: str, scratch: Path) -> list[K8sObject]:
    """An overlay rendered as a user enables a component: listed under `components:` of its kustomization."""
    k8s = Path(shutil.copytree(PROJECT_DIR / "k8s", scratch / "k8s"))
    kustomization = k8s / "overlays" / overlay / "kustomization.yaml"
    text = kustomization.read_text()
    kustomization.write_text(f"{text.rstrip()}\n\ncomponents:\n  - ../../components/{component}\n")
    return render(k8s / "overlays" / overlay)


def load_documents(path: Path) -> list[K8sObject]:
    return parse_documents(path.read_text())


def parse_documents(text: str) -> list[K8sObject]:
    return documents(text)


def api_group(obj: K8sObject) -> str:
    api_version: str = obj["apiVersion"]
    return api_version.rpartition("/")[0]


def describe(obj: K8sObject) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def kubernetes_errors(obj: K8sObject) -> list[str]:
    """Errors of a built-in kind against the pinned release's schema, unknown fields included."""
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        return [f"{describe(obj)}: {path}: {error.message}"]
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

    def _add(self, crd: K8sObject) -> None:
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            # Every object has these, whether or not the CRD lists them (policy-controller's does not).
            for field, kind in (("apiVersion", "string"), ("kind", "string"), ("metadata", "object")):
                schema.setdefault("properties", {}).setdefault(field, {"type": kind})
            close_schema(schema)
            key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            self.validators[key] = Draft7Validator(schema)

    def errors(self, obj: K8sObject) -> list[str]:
        validator = self.validators.get((obj["apiVersion"], obj["kind"]))
        if validator is None:
            return [f"{describe(obj)}: no CRD schema for {obj['apiVersion']}"]
        return [
            f"{describe(obj)}: {'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(obj)
        ]


def containers(obj: K8sObject) -> Iterator[K8sObject]:
    pod = pod_spec(obj)
    if pod is not None:
        yield from pod.get("initContainers", [])
        yield from pod["containers"]


def pod_spec(obj: K8sObject) -> K8sObject | None:
    spec = obj.get("spec", {})
    # A CronJob holds a Job template, which holds the pod template.
    if obj["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template = spec.get("template")
    if obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Rollout"} and template:
        pod: K8sObject = template["spec"]
        return pod
    return None


# PromQL: a metric name is the identifier before a `{...}` selector; label matchers sit inside it.
PROMQL_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
PROMQL_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


def promql_selectors(query: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names) of every selector in a query."""
    return [
        (name, set(PROMQL_MATCHER.findall(matchers))) for name, matchers in PROMQL_SELECTOR.findall(query)
    ]


def with_typo(obj: K8sObject) -> K8sObject:
    """A copy with a misspelt field in its spec (or at the top when it has none) and in each container."""
    mutated = copy.deepcopy(obj)
    target = mutated["spec"] if isinstance(mutated.get("spec"), dict) else mutated
    target["replicaz"] = 1
    for container in containers(mutated):
        container["imagePullPolcy"] = "Always"
    return mutated


def selector_of(obj: K8sObject) -> dict[str, str]:
    spec = obj["spec"]
    if obj["kind"] == "Service":
        service_selector: dict[str, str] = spec["selector"]
        return service_selector
    key = "podSelector" if obj["kind"] == "NetworkPolicy" else "selector"
    selector: dict[str, str] = spec[key]["matchLabels"]
    return selector


def only(objects: list[K8sObject], kind: str) -> K8sObject:
    [found] = [obj for obj in objects if obj["kind"] == kind]
    return found


def named_template(objects: list[K8sObject], name: str) -> K8sObject:
    """The AnalysisTemplate called `name`: production may hold more than one."""
    [found] = [
        obj for obj in objects if obj["kind"] == "AnalysisTemplate" and obj["metadata"]["name"] == name
    ]
    return found


def named(objects: list[K8sObject], kind: str, suffix: str) -> K8sObject:
    """The one object of `kind` named `<project>-<suffix>`."""
    name = f"{PROJECT}-{suffix}"
    [found] = [obj for obj in objects if obj["kind"] == kind and obj["metadata"]["name"] == name]
    return found


def exported_samples(metrics_text: str) -> dict[str, set[str]]:
    """Label names seen on each sample name (`x_total`, `x_bucket`...) of a /metrics page."""
    samples: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            samples.setdefault(sample.name, set()).update(sample.labels)
    return samples


def workloads(objects: list[K8sObject]) -> list[K8sObject]:
    return [obj for obj in objects if pod_spec(obj) is not None]


def deployment_images(overlay: Path) -> set[str]:
    """The images the overlay's Deployment runs, as Argo CD would apply them."""
    deployments = [obj for obj in render(overlay) if obj["kind"] == "Deployment"]
    return {container["image"] for obj in deployments for container in containers(obj)}


CRD_HOWTO = (
    "set CRD_SCHEMAS_DIR to a directory holding the Argo CD, Argo Rollouts, Prometheus Operator, Sigstore "
    "policy-controller and Gateway API CRD files (`make crds` downloads them)"
)


def load_crd_schemas() -> CrdSchemas:
    """The schemas in $CRD_SCHEMAS_DIR; skipped when unset on a laptop, a failure on CI."""
    directory = os.environ.get("CRD_SCHEMAS_DIR")
    if not directory:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CRD_SCHEMAS_DIR is unset on CI: {CRD_HOWTO}")
        pytest.skip(f"CRD_SCHEMAS_DIR is unset: {CRD_HOWTO}")
    return CrdSchemas(Path(directory))
