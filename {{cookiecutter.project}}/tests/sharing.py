"""What every xdist worker of one test run shares, made once by the first worker that needs it, under a
file lock: servers, whose URL it records and which the controller stops once the run is over (a
worker's own teardown would stop them while other workers still use them), and files such as the
trained model, which every test reads and none changes."""

import json
import os
import shutil
import signal
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pytest

# Where what every worker shares is kept: made by the controller, handed to each worker (conftest.py).
SHARED = pytest.StashKey[Path]()


def shared_dir(config: pytest.Config) -> Path:
    workerinput = getattr(config, "workerinput", None)
    return Path(workerinput["shared"]) if workerinput else config.stash[SHARED]


def shared_server(directory: Path, name: str, start: Callable[[], tuple[str, int]]) -> str:
    """The URL of server `name`, started by `start` if no worker has started it yet. A start that failed
    is recorded too, so that the other workers fail at once with its message instead of trying again."""
    from filelock import FileLock

    state = directory / f"{name}.json"
    with FileLock(str(directory / f"{name}.lock")):
        if not state.is_file():
            try:
                url, group = start()
            except RuntimeError as error:
                state.write_text(json.dumps({"error": str(error)}))
                raise
            state.write_text(json.dumps({"url": url, "group": group}))
    recorded = json.loads(state.read_text())
    if "error" in recorded:
        raise RuntimeError(f"{name} failed to start in another worker:\n{recorded['error']}")
    return str(recorded["url"])


def shared_path(directory: Path, name: str, make: Callable[[Path], None]) -> Path:
    """`directory/name`, made by `make(path)` if no worker has made it yet. `make` writes to a path
    beside it, renamed into place only once made, so a failure leaves nothing that looks finished."""
    from filelock import FileLock

    path = directory / name
    with FileLock(str(directory / f"{name}.lock")):
        if not path.exists():
            partial = directory / f"{name}.partial"
            if partial.is_dir():
                shutil.rmtree(partial)
            partial.unlink(missing_ok=True)
            make(partial)
            partial.rename(path)
    return path


def stop_servers(directory: Path) -> None:
    for state in directory.glob("*.json"):
        group = json.loads(state.read_text()).get("group")
        if group is not None:
            with suppress(ProcessLookupError):
                os.killpg(int(group), signal.SIGTERM)
    shutil.rmtree(directory, ignore_errors=True)
