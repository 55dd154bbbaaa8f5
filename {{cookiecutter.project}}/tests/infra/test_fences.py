"""The fences around Argo CD: what a pull request's author, a commit under argocd/, or a prune can reach.

Argo CD checks every object of a sync against its Application's project, by the object's own
namespace and kind (argo-cd v3.5.1 controller/sync.go:643-671, validateSyncPermissions), for every
task before it applies any (gitops-engine pkg/sync/sync_context.go:1090), and one refusal fails the
whole operation (sync_context.go:478-500). argo-cd issue 2280 is the report of a per-object namespace.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from .. import PROJECT_DIR
from .argocd import (
    APPSET,
    PR_PARAMS,
    RENDERED,
    application_from_appset,
    argocd_objects,
    project_of,
    project_permits,
    render_with_overrides,
)
from .k8s import ARGOCD_DIR, ENTRY_KIND, PROJECT, K8sObject, describe, load_documents, named

BOOTSTRAP = ARGOCD_DIR / "bootstrap.yaml"
# What a pull request's author adds to the preview overlay after the label: it runs after the
# namespace Argo CD sets for the preview (kustomize applies a kustomization's `transformers:` after
# its built-in ones), and moves every object into production.
HIJACK = {
    "apiVersion": "builtin",
    "kind": "NamespaceTransformer",
    "metadata": {"name": "hijack", "namespace": f"{PROJECT}-production"},
}


@pytest.fixture(scope="module")
def objects() -> list[K8sObject]:
    return argocd_objects()


@pytest.mark.skipif(not APPSET.exists(), reason="the project was baked without previews")
def test_a_preview_moved_into_production_by_its_author_fails_its_whole_sync(
    objects: list[K8sObject], tmp_path: Path
) -> None:
    """Issue 18, item 1: previews shared the environments' project, whose destinations include
    production; a NamespaceTransformer in the preview overlay then put a second Deployment and an
    Ingress for the production host into production (an HTTPRoute, on the Gateway API)."""
    tree = Path(shutil.copytree(PROJECT_DIR / "k8s", tmp_path / "pr" / "k8s"))
    overlay = tree / "overlays" / "preview"
    (overlay / "hijack.yaml").write_text(yaml.safe_dump(HIJACK))
    kustomization = overlay / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "\ntransformers:\n  - hijack.yaml\n")
    app = application_from_appset(load_documents(APPSET)[0], PR_PARAMS)
    source: dict[str, Any] = app["spec"]["source"]
    synced = render_with_overrides(overlay, source["kustomize"], tmp_path / "argo")
    moved = [obj for obj in synced if obj["kind"] != "Namespace"]
    assert {obj["metadata"]["namespace"] for obj in moved} == {f"{PROJECT}-production"}, "no longer moved"
    assert {"Deployment", ENTRY_KIND} <= {obj["kind"] for obj in moved}
    project = project_of(objects, app)
    refused = [
        describe(obj) for obj in moved if not project_permits(project, obj, obj["metadata"]["namespace"])
    ]
    # Every one of them is refused, and one refusal is enough: nothing of the sync is applied.
    assert refused == [describe(obj) for obj in moved]
    assert "FailOnSharedResource=true" in app["spec"]["syncPolicy"]["syncOptions"]


def bootstrap() -> tuple[K8sObject, K8sObject]:
    found = {obj["kind"]: obj for obj in load_documents(BOOTSTRAP)}
    return found["AppProject"], found["Application"]


@pytest.mark.parametrize(
    ("kind", "api_version", "namespace", "admitted"),
    [
        ("Application", "argoproj.io/v1alpha1", "argocd", True),
        ("ApplicationSet", "argoproj.io/v1alpha1", "argocd", True),
        ("AppProject", "argoproj.io/v1alpha1", "argocd", True),
        ("Application", "argoproj.io/v1alpha1", "kube-system", False),
        ("Secret", "v1", "argocd", False),
        ("Deployment", "apps/v1", "argocd", False),
        ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "", False),
        ("Namespace", "v1", "", False),
    ],
)
def test_the_bootstrap_app_can_create_only_argo_cd_objects_in_the_argocd_namespace(
    kind: str, api_version: str, namespace: str, admitted: bool
) -> None:
    """The `default` project permits every source, destination and kind (argo-cd v3.5.1
    docs/user-guide/projects.md, "The Default Project"): any YAML committed under argocd/ would be
    applied cluster-wide. The bootstrap app's own project admits three kinds, in one namespace, and no
    cluster-scoped kind (app_project_types.go:399-418: an empty cluster whitelist admits none)."""
    project, app = bootstrap()
    assert app["spec"]["project"] == project["metadata"]["name"] != "default"
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}
    assert project_permits(project, obj, namespace) is admitted


def test_every_object_under_argocd_is_one_the_bootstrap_app_may_sync() -> None:
    project, app = bootstrap()
    excluded = app["spec"]["source"]["directory"]["exclude"]
    paths = [path for path in sorted(ARGOCD_DIR.glob("*.yaml")) if path.name != excluded]
    synced = [obj for path in paths for obj in load_documents(path)]
    assert synced
    refused = [
        describe(obj) for obj in synced if not project_permits(project, obj, obj["metadata"]["namespace"])
    ]
    assert refused == []


def prune_disabled(obj: K8sObject) -> bool:
    """gitops-engine pkg/sync/sync_context.go:333-341: a live object's own Prune=false sync option
    wins over the Application's prune (pruneObject, 1454-1460, skips it)."""
    options = obj["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-options", "")
    return "Prune=false" in [option.strip() for option in options.split(",")]


@pytest.mark.parametrize("env", RENDERED)
def test_a_commit_that_drops_an_environments_application_from_argocd_prunes_nothing(
    objects: list[K8sObject], env: str
) -> None:
    """A pull request that renames argocd/production.yaml, or the Application in it, takes it out of
    the bootstrap app's desired state; pruned, its resources finalizer would delete all of production.
    The live Application keeps its Prune=false, so the prune skips it; Delete=false keeps it when the
    bootstrap app itself is deleted (argo-cd v3.5.1 docs/user-guide/sync-options.md)."""
    live = named(objects, "Application", env)
    options = live["metadata"]["annotations"]["argocd.argoproj.io/sync-options"].split(",")
    assert prune_disabled(live)
    assert "Delete=false" in options
    assert "resources-finalizer.argocd.argoproj.io" in live["metadata"]["finalizers"]
