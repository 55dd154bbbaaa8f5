"""The Ingress of every overlay routes the API and nothing else: /metrics, the docs and liveness stay
inside the cluster. Paths are matched as Kubernetes matches them (kubernetes.io/docs/concepts/
services-networking/ingress/#path-types): Exact as the whole path, Prefix element by element."""

import pytest

from .k8s import OVERLAYS, OVERLAYS_DIR, K8sObject, render

PUBLIC = [
    "/predict", "/v2", "/v2/", "/v2/models/m/infer", "/v2/health/ready", "/model", "/readyz", "/openapi.json",
    "/v1/outcomes",
]  # fmt: skip
PRIVATE = [
    "/metrics", "/docs", "/redoc", "/healthz", "/", "/predict/", "/predictx", "/v2x", "/model/x", "/v1",
    "/v1/outcomes/x",
]  # fmt: skip


def matches(rule: K8sObject, path: str) -> bool:
    if rule["pathType"] == "Exact":
        return bool(path == rule["path"])
    assert rule["pathType"] == "Prefix", "ImplementationSpecific matching depends on the controller"
    prefix = [part for part in rule["path"].split("/") if part]
    return [part for part in path.split("/") if part][: len(prefix)] == prefix


@pytest.fixture(scope="module", params=OVERLAYS)
def paths(request: pytest.FixtureRequest) -> list[K8sObject]:
    [ingress] = [obj for obj in render(OVERLAYS_DIR / request.param) if obj["kind"] == "Ingress"]
    return [path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]


@pytest.mark.parametrize("path", PUBLIC)
def test_the_api_is_routed(paths: list[K8sObject], path: str) -> None:
    assert any(matches(rule, path) for rule in paths)


@pytest.mark.parametrize("path", PRIVATE)
def test_nothing_else_is_routed(paths: list[K8sObject], path: str) -> None:
    assert not any(matches(rule, path) for rule in paths)
