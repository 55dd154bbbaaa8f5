"""The Argo CD objects: they fit their CRDs, sync what they promise, and the project admits only that."""

import shutil
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package }}.delivery.hosts import find_host

from .. import PROJECT_DIR
from .argocd import (
    APPSET,
    PR_PARAMS,
    RENDERED,
    application_from_appset,
    argocd_objects,
    created_namespace,
    project_of,
    project_permits,
    render_with_overrides,
)
from .k8s import (
    POD_SECURITY,
    PROJECT,
    CrdSchemas,
    K8sObject,
    containers,
    describe,
    load_documents,
    named,
    render,
    with_typo,
)

COMPONENTS = sorted(path.name for path in (PROJECT_DIR / "k8s" / "components").iterdir() if path.is_dir())
# Components that extend production's Rollout, which other overlays refuse (test_experiment_stage.py).
PRODUCTION_ONLY = {"experiment"}


@pytest.fixture(scope="session")
def objects() -> list[K8sObject]:
    return argocd_objects()


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
    app = named(objects, "Application", env)
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
    policy = named(objects, "Application", env)["spec"]["syncPolicy"]
    assert "CreateNamespace=true" in policy["syncOptions"]
    assert POD_SECURITY.items() <= policy["managedNamespaceMetadata"]["labels"].items()


def deployed(app: K8sObject, workdir: Path, component: str | None = None) -> list[K8sObject]:
    """What the Application applies, with `component` turned on in its overlay: the overlay's render
    (an env branch holds exactly that), or the preview's as Argo CD edits it for the pull request."""
    source: dict[str, Any] = app["spec"]["source"]
    overlay = source.get("path") if "kustomize" in source else app["spec"]["destination"]["namespace"]
    overlay = str(overlay).removeprefix("k8s/overlays/").removeprefix(f"{PROJECT}-")
    tree = Path(shutil.copytree(PROJECT_DIR / "k8s", workdir / "k8s"))
    if component:
        kustomization = tree / "overlays" / overlay / "kustomization.yaml"
        kustomization.write_text(
            f"{kustomization.read_text()}\ncomponents:\n  - ../../components/{component}\n"
        )
    if "kustomize" in source:
        return render_with_overrides(tree / "overlays" / overlay, source["kustomize"], workdir / "argo")
    return render(tree / "overlays" / overlay)


@pytest.mark.parametrize("component", [None, *COMPONENTS])
def test_every_kind_an_application_syncs_is_admitted_by_its_project(
    objects: list[K8sObject], tmp_path: Path, component: str | None
) -> None:
    """Argo CD checks every object of a sync against the Application's project before it applies any
    (argo-cd v3.5.1 controller/sync.go:643-671; gitops-engine pkg/sync/sync_context.go:1090), and one
    refusal fails the whole operation (sync_context.go:478-500): turning a component on must not break
    the sync of any environment (issue 18, item 8)."""
    apps = [
        obj for obj in objects if obj["kind"] == "Application" and obj["spec"]["source"]["path"] != "argocd"
    ]
    assert {app["metadata"]["name"] for app in apps} >= {f"{PROJECT}-{env}" for env in RENDERED}
    for app in apps:
        namespace = app["spec"]["destination"]["namespace"]
        if component in PRODUCTION_ONLY and namespace != f"{PROJECT}-production":
            continue
        synced = deployed(app, tmp_path / app["metadata"]["name"], component)
        if "CreateNamespace=true" in app["spec"]["syncPolicy"].get("syncOptions", []):
            synced.append(created_namespace(app))
        project = project_of(objects, app)
        refused = [describe(obj) for obj in synced if not project_permits(project, obj, namespace)]
        # A preview runs no component's CronJob: the preview project refuses the kind (test_training.py).
        preview = project["metadata"]["name"].endswith("-preview") and component is not None
        expected = [describe(obj) for obj in synced if preview and obj["kind"] == "CronJob"]
        assert refused == expected, (app["metadata"]["name"], component)


NAMESPACE_SAMPLES = ["kube-system", "default", "argocd", f"{PROJECT}", f"{PROJECT}-production-x"]


@pytest.mark.parametrize("name", [*NAMESPACE_SAMPLES, f"{PROJECT}-pr-7"])
def test_the_environments_project_refuses_any_other_namespace(objects: list[K8sObject], name: str) -> None:
    """A Namespace is cluster-scoped: the destinations do not limit it, only the whitelist's names do."""
    project = project_of(objects, named(objects, "Application", "production"))
    assert project is project_of(objects, named(objects, "Application", "staging"))
    assert_refused(project, name)


@pytest.mark.skipif(not APPSET.exists(), reason="the project was baked without previews")
@pytest.mark.parametrize("name", [*NAMESPACE_SAMPLES, f"{PROJECT}-staging", f"{PROJECT}-production"])
def test_the_preview_project_refuses_every_namespace_but_the_previews(
    objects: list[K8sObject], name: str
) -> None:
    preview = application_from_appset(load_documents(APPSET)[0], PR_PARAMS)
    project = project_of(objects, preview)
    assert project["metadata"]["name"] == f"{PROJECT}-preview"
    assert_refused(project, name)
    assert project_permits(
        project, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}, f"{PROJECT}-pr-7"
    )


def assert_refused(project: K8sObject, name: str) -> None:
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
    assert find_host(objects).startswith(f"pr-{PR_PARAMS['number']}.")


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
