"""Render Argo CD objects as its controllers would: ApplicationSet templates and kustomize overrides."""

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from .k8s import K8sObject, render

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
