"""Servers that every xdist worker of one test run shares: the first worker that needs one starts it
under a file lock and records its URL; the controller stops them all once the run is over (a worker's
own teardown would stop them while other workers still use them)."""

import json
import os
import shutil
import signal
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path


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


def stop_servers(directory: Path) -> None:
    for state in directory.glob("*.json"):
        group = json.loads(state.read_text()).get("group")
        if group is not None:
            with suppress(ProcessLookupError):
                os.killpg(int(group), signal.SIGTERM)
    shutil.rmtree(directory, ignore_errors=True)
