"""The Argo CD objects: they fit their CRDs, sync what they promise, and the project admits only that."""

from pathlib import Path
from typing import Any

import pytest

from .. import PROJECT_DIR
from .argocd import application_from_appset, created_namespace, project_permits, render_with_overrides
from .k8s import (
    ARGOCD_DIR,
    OVERLAYS_DIR,
    POD_SECURITY,
    PROJECT,
    CrdSchemas,
    K8sObject,
    containers,
    describe,
    load_documents,
    render,
    with_typo,
)

APPSET = ARGOCD_DIR / "preview-appset.yaml"
# What the pull-request generator passes to the ApplicationSet template, for one sample PR.
PR_PARAMS = {"number": "42", "branch": "add-feature", "head_sha": "0123456789abcdef0123456789abcdef01234567"}
RENDERED = ("staging", "production")


@pytest.fixture(scope="session")
def objects() -> list[K8sObject]:
    """Every object of argocd/, and the Application the ApplicationSet yields for a sample PR."""
    found = [obj for path in sorted(ARGOCD_DIR.glob("*.yaml")) for obj in load_documents(path)]
    if APPSET.exists():
        found.append(application_from_appset(load_documents(APPSET)[0], PR_PARAMS))
    return found


def application(objects: list[K8sObject], env: str) -> K8sObject:
    [found] = [
        obj
        for obj in objects
        if obj["kind"] == "Application" and obj["metadata"]["name"] == f"{PROJECT}-{env}"
    ]
    return found


def test_argocd_objects_fit_their_crd_schemas(objects: list[K8sObject], crd_schemas: CrdSchemas) -> None:
    assert [error for obj in objects for error in crd_schemas.errors(obj)] == []


def test_a_misspelt_field_in_an_argocd_object_fails_validation(
    objects: list[K8sObject], crd_schemas: CrdSchemas
) -> None:
    assert [describe(obj) for obj in objects if not crd_schemas.errors(with_typo(obj))] == []


@pytest.mark.parametrize("env", RENDERED)
def test_each_environment_syncs_its_rendered_branch_as_plain_yaml(objects: list[K8sObject], env: str) -> None:
    """deliver commits kustomize's output to env/<env>; Argo CD syncs the branch tip (argo-cd v3.5.1
    docs/user-guide/tracking_strategies.md:44-50) as a directory app, which loads .yml, .yaml and .json
    files (docs/user-guide/directory.md:3). Nothing on main reaches the environment on its own."""
    app = application(objects, env)
    source = app["spec"]["source"]
    assert source["targetRevision"] == f"env/{env}"
    assert source["path"] == "."
    assert "directory" in source
    assert "kustomize" not in source
    assert app["spec"]["destination"]["namespace"] == f"{PROJECT}-{env}"


@pytest.mark.parametrize("env", RENDERED)
def test_the_namespace_an_environment_creates_enforces_restricted_pod_security(
    objects: list[K8sObject], env: str
) -> None:
    policy = application(objects, env)["spec"]["syncPolicy"]
    assert "CreateNamespace=true" in policy["syncOptions"]
    assert POD_SECURITY.items() <= policy["managedNamespaceMetadata"]["labels"].items()


def deployed(app: K8sObject, workdir: Path) -> list[K8sObject]:
    """What the Application applies: the overlay's render (an env branch holds exactly that)."""
    source: dict[str, Any] = app["spec"]["source"]
    if "kustomize" in source:
        return render_with_overrides(PROJECT_DIR / source["path"], source["kustomize"], workdir)
    return render(OVERLAYS_DIR / app["spec"]["destination"]["namespace"].removeprefix(f"{PROJECT}-"))


def test_the_project_admits_everything_its_applications_sync(
    objects: list[K8sObject], tmp_path: Path
) -> None:
    [project] = [obj for obj in objects if obj["kind"] == "AppProject"]
    apps = [obj for obj in objects if obj["kind"] == "Application" and obj["spec"]["project"] == PROJECT]
    assert {app["metadata"]["name"] for app in apps} >= {f"{PROJECT}-{env}" for env in RENDERED}
    for app in apps:
        namespace = app["spec"]["destination"]["namespace"]
        synced = deployed(app, tmp_path / app["metadata"]["name"])
        if "CreateNamespace=true" in app["spec"]["syncPolicy"].get("syncOptions", []):
            synced.append(created_namespace(app))
        refused = [describe(obj) for obj in synced if not project_permits(project, obj, namespace)]
        assert refused == [], app["metadata"]["name"]


@pytest.mark.parametrize(
    "name", ["kube-system", "default", "argocd", f"{PROJECT}-production-x", f"{PROJECT}"]
)
def test_the_project_refuses_any_other_namespace(objects: list[K8sObject], name: str) -> None:
    """A Namespace is cluster-scoped: the destinations do not limit it, only the whitelist's names do."""
    [project] = [obj for obj in objects if obj["kind"] == "AppProject"]
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    assert not project_permits(project, namespace, name)
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "server"}}
    assert not project_permits(project, service, name)


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


@pytest.mark.skipif(not APPSET.exists(), reason="the project was baked without previews")
def test_previews_render_only_labelled_branches_of_this_repository() -> None:
    """The GitHub pull-request generator has no fork filter: its fields are owner, repo, api, tokenRef,
    appSecretName and labels (argo-cd v3.5.1 pkg/apis/application/v1alpha1/applicationset_types.go:
    691-704) and its parameters name no head repository (applicationset/services/pull_request/
    github.go:57-92). Argo CD takes a 40-hex revision as is and fetches it, a fork's head commit
    included (util/git/client.go:943, fetch at 572-585), but resolves a ref name only against this
    repository's refs (client.go:942-1003). So the revision is the branch, in full."""
    appset = load_documents(APPSET)[0]
    [generator] = appset["spec"]["generators"]
    github = generator["pullRequest"]["github"]
    assert github["labels"] == ["preview"]
    # Without a token: 60 API calls an hour per IP and public repositories only (GitHub REST rate limits).
    assert github["tokenRef"] == {"secretName": f"{PROJECT}-github-token", "key": "token"}
    app = application_from_appset(appset, PR_PARAMS)
    assert app["spec"]["source"]["targetRevision"] == f"refs/heads/{PR_PARAMS['branch']}"
