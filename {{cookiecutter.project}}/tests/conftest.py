"""Fixtures for every area: one model trained and exported with the real code, an empty MLflow database,
and the object store and tracking server of the cluster tests, each made once per test run and
shared by its workers."""

import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest, read_manifest
from {{ cookiecutter.package }}.model.config import ModelConfig, load_config

from . import PROJECT_DIR
from .scheduling import grouped_scheduler, write_module_groups
from .sharing import SHARED, shared_dir, shared_path, shared_server, stop_servers
from .stores import Stores, start_object_store, start_tracking_server

# The app in process (`client` and what builds it), for the serving, runtime and batch tests alike, and
# the shared real servers.
pytest_plugins = ("tests.apps", "tests.servers")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`--numprocesses auto` (make test) starts one worker more than there are CPUs: many tests wait
    on servers they started, and the spare worker fills that time (a default bake's suite on 2 CPUs,
    run in turns: 66 and 69 s with 2 workers, 61 and 59 s with 3). PYTEST_XDIST_AUTO_NUM_WORKERS still
    decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cpus + 1


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.stash[SHARED] = Path(tempfile.mkdtemp(prefix="test-shared-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: each worker learns where the controller's run keeps what the workers share."""
    node.workerinput["shared"] = str(node.config.stash[SHARED])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The modules that start processes (those with a test marked slow) first, each kept whole: `make test`
    hands whole modules to its workers in this order (tests/scheduling.py), so the longest start early
    and none is left to run alone at the end (a default bake: the last worker ended 14 s after the
    first, then 3 s)."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)
    if hasattr(config, "workerinput"):
        write_module_groups(items, shared_dir(config))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope`, with the users of a session server kept on one worker (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadscope":
        return None
    return grouped_scheduler(config, log, config.stash[SHARED])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what the test modules imported (scikit-learn, MLflow, hypothesis...): no full garbage
    collection of the run walks those millions of objects again."""
    gc.freeze()


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and SHARED in config.stash:
        stop_servers(config.stash[SHARED])
    # The process exits next, and the collections at exit walked the whole heap: seconds of CPU a worker.
    gc.freeze()


@pytest.fixture(scope="session")
def object_store(request: pytest.FixtureRequest) -> Stores:
    """moto's S3 server, shared by the whole run; a versioned data bucket and an unversioned one."""
    directory = shared_dir(request.config)
    return Stores(shared_server(directory, "s3", lambda: start_object_store(directory / "s3")))


@pytest.fixture(scope="session")
def tracking_server(request: pytest.FixtureRequest, object_store: Stores) -> Stores:
    """`mlflow server` with its artifacts in the object store, shared by the whole run."""
    directory = shared_dir(request.config)
    url = shared_server(
        directory, "mlflow", lambda: start_tracking_server(directory / "mlflow", object_store.s3)
    )
    return Stores(object_store.s3, url)


@pytest.fixture(scope="module")
def registry(request: pytest.FixtureRequest, tracking_server: Stores) -> Iterator[Stores]:
    """The tracking server, its registry to this test module alone: the module's tests add versions of the
    project's one registered model and move its `candidate` alias, which another module would race."""
    from filelock import FileLock

    with FileLock(str(shared_dir(request.config) / "registry.lock")):
        yield tracking_server


@pytest.fixture(scope="session")
def model_config() -> ModelConfig:
    """The project's own model.toml, so tests exercise the dataset and estimator it ships with."""
    return load_config(PROJECT_DIR / "model.toml")


@pytest.fixture(scope="session")
def artifacts_dir(request: pytest.FixtureRequest, model_config: ModelConfig) -> Path:
    """A directory with model.onnx, manifest.json and the training leftovers export and the gate read.
    Shared by the workers: a test that changes or adds files takes `artifacts_copy`."""

    def train_and_export(artifacts: Path) -> None:
        # Imported here, not at the top: pytest-xdist's controller process loads this file but runs no
        # test, and scikit-learn takes seconds to import.
        from {{ cookiecutter.package }}.model.export import export_model
        from {{ cookiecutter.package }}.model.train import train_model

        train_model(
            model_config.data,
            model_config.train,
            artifacts,
            name="test-model",
            shadow=model_config.shadow,
            experiment=model_config.experiment,
        )
        export_model(artifacts, model_config.gate.parity_tolerance)

    return shared_path(shared_dir(request.config), "artifacts", train_and_export)


@pytest.fixture(scope="session")
def manifest(artifacts_dir: Path) -> ModelManifest:
    return read_manifest(artifacts_dir)


@pytest.fixture
def artifacts_copy(artifacts_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session artifacts for tests that change or add files."""
    return Path(shutil.copytree(artifacts_dir, tmp_path / "artifacts"))


@pytest.fixture(scope="session")
def empty_mlflow_db(request: pytest.FixtureRequest) -> Path:
    """An MLflow SQLite database with its tables, which tests copy. Creating them runs MLflow's migrations,
    4 s of CPU, so the database is made once per MLflow release and kept in pytest's cache
    (.pytest_cache) for the runs that follow; without the cache, once a run."""

    def create_tables(path: Path) -> None:
        from mlflow import MlflowClient

        os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
        MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()

    cache = getattr(request.config, "cache", None)
    directory = shared_dir(request.config)
    if cache is not None:
        directory = cache.mkdir(f"mlflow-{metadata.version('mlflow-skinny')}-empty-db")
    return shared_path(directory, "mlflow.db", create_tables)


@pytest.fixture
def tracking_uri(tmp_path: Path, empty_mlflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh MLflow store: a SQLite file in tmp_path, its run files in tmp_path/mlartifacts."""
    # MLflow reports usage to its maintainers unless told not to.
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    shutil.copy(empty_mlflow_db, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"
