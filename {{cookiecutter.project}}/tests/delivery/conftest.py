"""The CRD schemas that the k8s and Argo CD tests validate custom resources against, read once."""

import pytest

from .k8s import CrdSchemas, load_crd_schemas


@pytest.fixture(scope="session")
def crd_schemas() -> CrdSchemas:
    """Parsed and compiled once per test session: the CRD files hold megabytes of schema."""
    return load_crd_schemas()
