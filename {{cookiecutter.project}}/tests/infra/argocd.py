"""Render Argo CD objects as its controllers would: ApplicationSet templates and kustomize overrides."""

import copy
import fnmatch
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from .k8s import ARGOCD_DIR, K8sObject, api_group, load_documents, render

APPSET = ARGOCD_DIR / "preview-appset.yaml"
# What the pull-request generator passes to the ApplicationSet template, for one sample PR.
PR_PARAMS = {"number": "42", "branch": "add-feature", "head_sha": "0123456789abcdef0123456789abcdef01234567"}
RENDERED = ("staging", "production")
# Cluster-scoped kinds among those the tests offer a project.
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"})
# The only Go template action the ApplicationSet uses: a field of the generator's parameters, `.name`
# in double braces. (Patterns are escaped so cookiecutter's Jinja leaves this file alone.)
GO_ACTION = re.compile(r"\{\{")
GO_FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def render_go_template(value: Any, params: dict[str, str]) -> Any:
    """Fill in each field from params, failing on a missing key as goTemplateOptions missingkey=error does."""
    if isinstance(value, dict):
        return {key: render_go_template(item, params) for key, item in value.items()}
    if isinstance(value, list):
        return [render_go_template(item, params) for item in value]
    if not isinstance(value, str):
        return value
    rendered = GO_FIELD.sub(lambda match: params[match.group(1)], value)
    if GO_ACTION.search(rendered):
        raise ValueError(f"unsupported Go template expression in {value!r}")
    return rendered


def application_from_appset(appset: K8sObject, params: dict[str, str]) -> K8sObject:
    """The Application the ApplicationSet controller would create for one set of generator params."""
    template = render_go_template(appset["spec"]["template"], params)
    metadata = {**template["metadata"], "namespace": appset["metadata"]["namespace"]}
    return {
        "apiVersion": appset["apiVersion"],
        "kind": "Application",
        "metadata": metadata,
        "spec": template["spec"],
    }


def apply_kustomize_overrides(kustomization: K8sObject, overrides: K8sObject) -> K8sObject:
    """The kustomization as Argo CD edits it for an Application's spec.source.kustomize."""
    edited = copy.deepcopy(kustomization)
    if "namespace" in overrides:
        edited["namespace"] = overrides["namespace"]
    for image in overrides.get("images", []):
        name, _, tag = image.rpartition(":")
        entries = [entry for entry in edited.get("images", []) if entry["name"] == name]
        if not entries:
            entries = [{"name": name}]
            edited.setdefault("images", []).extend(entries)
        for entry in entries:
            entry.pop("digest", None)
            entry["newTag"] = tag
    edited["patches"] = [*edited.get("patches", []), *overrides.get("patches", [])]
    return edited


def render_with_overrides(overlay: Path, overrides: K8sObject, workdir: Path) -> list[K8sObject]:
    """Render a copy of the k8s tree with the overlay's kustomization edited as Argo CD would."""
    tree = workdir / "k8s"
    shutil.copytree(overlay.parents[1], tree)
    copied = tree / overlay.relative_to(overlay.parents[1]) / "kustomization.yaml"
    edited = apply_kustomize_overrides(yaml.safe_load(copied.read_text()), overrides)
    copied.write_text(yaml.safe_dump(edited, sort_keys=False))
    return render(copied.parent)


def glob_match(pattern: str, value: str) -> bool:
    """Go's filepath.Match for the names used here: `*` matches any run of characters except `/`."""
    return fnmatch.fnmatchcase(value, pattern) and ("/" in pattern or "/" not in value)


def project_permits(project: K8sObject, obj: K8sObject, namespace: str) -> bool:
    """Whether Argo CD v3.5.1 lets an Application of `project` sync `obj` into `namespace`.

    A port of AppProject.IsGroupKindNamePermitted (pkg/apis/application/v1alpha1/app_project_types.go:
    399-418, isResourceInList and isNamedResourceInList at types.go:3843-3876) and, for namespaced
    kinds, isDestinationMatched (app_project_types.go:507-529), as controller/sync.go:647-671 applies
    them to every object of a sync.
    """
    spec = project["spec"]
    group, kind = api_group(obj), obj["kind"]
    if kind in CLUSTER_SCOPED:
        return any(
            glob_match(item["group"], group)
            and glob_match(item["kind"], kind)
            and (not item.get("name") or glob_match(item["name"], obj["metadata"]["name"]))
            for item in spec.get("clusterResourceWhitelist", [])
        )
    whitelist = spec.get("namespaceResourceWhitelist")
    listed = whitelist is None or any(
        glob_match(item["group"], group) and glob_match(item["kind"], kind) for item in whitelist
    )
    return listed and any(glob_match(item["namespace"], namespace) for item in spec["destinations"])


def created_namespace(app: K8sObject) -> K8sObject:
    """The Namespace that `CreateNamespace=true` makes, which Argo CD checks like any object it syncs
    (gitops-engine/pkg/sync/sync_context.go:1161-1210 adds it as a task; :1090 checks every task)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": app["spec"]["destination"]["namespace"]},
    }


def argocd_objects() -> list[K8sObject]:
    """Every object of argocd/, and the Application the ApplicationSet yields for a sample PR."""
    found = [obj for path in sorted(ARGOCD_DIR.glob("*.yaml")) for obj in load_documents(path)]
    if APPSET.exists():
        found.append(application_from_appset(load_documents(APPSET)[0], PR_PARAMS))
    return found


def project_of(objects: list[K8sObject], app: K8sObject) -> K8sObject:
    """The AppProject an Application names."""
    [found] = [
        obj
        for obj in objects
        if obj["kind"] == "AppProject" and obj["metadata"]["name"] == app["spec"]["project"]
    ]
    return found
