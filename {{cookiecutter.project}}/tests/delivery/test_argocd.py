"""The Argo CD objects: they fit their CRDs, and each deploys the overlay and namespace it names."""

from pathlib import Path
from typing import Any

import pytest

from .. import PROJECT_DIR
from .argocd import application_from_appset, render_with_overrides
from .k8s import (
    ARGOCD_DIR,
    OVERLAYS,
    PROJECT,
    CrdSchemas,
    K8sObject,
    containers,
    describe,
    load_documents,
    with_typo,
)

APPSET = ARGOCD_DIR / "preview-appset.yaml"
# What the pull-request generator passes to the ApplicationSet template, for one sample PR.
PR_PARAMS = {"number": "42", "branch": "add-feature", "head_sha": "0123456789abcdef0123456789abcdef01234567"}


@pytest.fixture(scope="session")
def objects() -> list[K8sObject]:
    """Every object of argocd/, and the Application the ApplicationSet yields for a sample PR."""
    found = [obj for path in sorted(ARGOCD_DIR.glob("*.yaml")) for obj in load_documents(path)]
    if APPSET.exists():
        found.append(application_from_appset(load_documents(APPSET)[0], PR_PARAMS))
    return found


def test_argocd_objects_fit_their_crd_schemas(objects: list[K8sObject], crd_schemas: CrdSchemas) -> None:
    assert [error for obj in objects for error in crd_schemas.errors(obj)] == []


def test_a_misspelt_field_in_an_argocd_object_fails_validation(
    objects: list[K8sObject], crd_schemas: CrdSchemas
) -> None:
    assert [describe(obj) for obj in objects if not crd_schemas.errors(with_typo(obj))] == []


def test_each_application_deploys_its_overlay_into_the_matching_namespace(
    objects: list[K8sObject],
) -> None:
    apps = [obj for obj in objects if obj["kind"] == "Application"]
    environments = [app for app in apps if app["spec"]["source"]["path"].startswith("k8s/overlays/")]
    assert {Path(app["spec"]["source"]["path"]).name for app in environments} == set(OVERLAYS)
    for app in environments:
        assert app["metadata"]["name"] == app["spec"]["destination"]["namespace"]
        assert (PROJECT_DIR / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()


@pytest.mark.skipif(not APPSET.exists(), reason="the project was baked without previews")
def test_preview_renders_with_the_pull_request_namespace_image_and_host(tmp_path: Path) -> None:
    app = application_from_appset(load_documents(APPSET)[0], PR_PARAMS)
    source: dict[str, Any] = app["spec"]["source"]
    objects = render_with_overrides(PROJECT_DIR / source["path"], source["kustomize"], tmp_path)
    namespace = f"{PROJECT}-pr-{PR_PARAMS['number']}"
    assert app["spec"]["destination"]["namespace"] == namespace
    assert {obj["metadata"]["name"] for obj in objects if obj["kind"] == "Namespace"} == {namespace}
    assert {obj["metadata"].get("namespace", namespace) for obj in objects} == {namespace}
    images = {container["image"] for obj in objects for container in containers(obj)}
    assert {image.rpartition(":")[2] for image in images} == {PR_PARAMS["head_sha"]}
    [ingress] = [obj for obj in objects if obj["kind"] == "Ingress"]
    assert ingress["spec"]["rules"][0]["host"].startswith(f"pr-{PR_PARAMS['number']}.")
