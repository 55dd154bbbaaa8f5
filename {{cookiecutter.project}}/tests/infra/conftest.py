"""Fixtures of the infrastructure tests: the CRD schemas, read once, and env branches on a local remote."""

from pathlib import Path

import pytest

from ..branches import Branches, make_branches
from .k8s import CrdSchemas, load_crd_schemas


@pytest.fixture(scope="session")
def crd_schemas() -> CrdSchemas:
    """Parsed and compiled once per test session: the CRD files hold megabytes of schema."""
    return load_crd_schemas()


@pytest.fixture
def branches(tmp_path: Path) -> Branches:
    """A bare remote whose main holds four merges, and the clone the modelled deliver jobs publish from."""
    return make_branches(tmp_path)
