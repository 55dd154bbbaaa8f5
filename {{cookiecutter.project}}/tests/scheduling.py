"""How `make test` hands modules to its xdist workers: whole modules (loadscope), except that the modules
using a fixture of ONE_WORKER_FIXTURES go to one worker together, so that what the fixture costs each
worker that uses it is paid once.

The controller schedules by node id alone, and only the workers see fixtures: each worker writes the
modules' groups to the run's shared directory as it collects, before it reports its collection, and the
controller reads them when it first schedules, once every worker has reported.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

# A fixture, and the group its users join: a session server (started once a worker), and MLflow's
# database (its users import MLflow: 2.5 s of CPU a worker).
ONE_WORKER_FIXTURES = {
    "server": "session servers",
    "two_workers": "session servers",
    "empty_mlflow_db": "MLflow",
}
# Not *.json: sharing.stop_servers reads each *.json of the directory as a server it started.
GROUPS_FILE = "module-groups"


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def write_module_groups(items: list[pytest.Item], directory: Path) -> None:
    """Record the group of each module whose tests use a fixture of ONE_WORKER_FIXTURES."""
    groups = {
        module_of(item.nodeid): ONE_WORKER_FIXTURES[name]
        for item in items
        for name in getattr(item, "fixturenames", ())
        if name in ONE_WORKER_FIXTURES
    }
    partial = directory / f"{GROUPS_FILE}.{os.getpid()}"
    partial.write_text(json.dumps(groups, sort_keys=True))
    partial.replace(directory / GROUPS_FILE)


def grouped_scheduler(config: pytest.Config, log: Any, directory: Path) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class GroupedModules(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                groups_file = directory / GROUPS_FILE
                self.groups = json.loads(groups_file.read_text()) if groups_file.is_file() else {}
            module = module_of(nodeid)
            return str(self.groups.get(module, super()._split_scope(nodeid)))

    return GroupedModules(config, log)
