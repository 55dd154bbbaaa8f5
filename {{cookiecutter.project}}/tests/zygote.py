"""Servers forked from a zygote: a process that has imported what `serve` imports, as the serving image
runs it (tests/serving_image.py), and forks each server a test starts (multiprocessing's forkserver).

A new interpreter spends a second of CPU importing FastAPI, pydantic, numpy and onnxruntime before it
serves, and the suite starts about twenty servers; a fork of the zygote starts in milliseconds. The
fork runs `python -m <package> serve` as the command line would, with the environment it is given and
its output in a file. What is read at import or at interpreter start (PYTHON* variables,
PROMETHEUS_DISABLE_CREATED_SERIES, OTEL_PYTHON_*, thread counts of OpenMP and OpenBLAS) comes from the
zygote's environment instead: a server that needs such a variable starts fresh (servers.live_server).
"""

import multiprocessing
import os
import signal
import subprocess
import sys
from multiprocessing.context import ForkServerProcess
from pathlib import Path

PACKAGE = "{{ cookiecutter.package }}"
# Installed for training, absent from the serving image.
TRAINING_ONLY = ("sklearn", "pandas", "skl2onnx", "onnx", "pyarrow")
BLOCK_TRAINING = f"import sys\nsys.modules.update(dict.fromkeys({TRAINING_ONLY!r}))"
# What the zygote imports once: what `serve` imports before and after uvicorn loads the app.
PRELOAD = [
    "tests.serving_image",
    f"{PACKAGE}.__main__",
    f"{PACKAGE}.serving.app",
    f"{PACKAGE}.serving.http.connection",
    "uvicorn.main",
    "uvicorn.lifespan.on",
    "uvicorn.loops.asyncio",
]


def _serve(environment: dict[str, str], log: str) -> None:
    """The fork's whole life: `serve` with this environment, its output appended to `log`."""
    # Descriptors 0, 1 and 2 as a shell gives them: uvicorn hands its workers stdin by number.
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115  # stdin, for the process's life
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.environ.clear()
    os.environ.update(environment)
    from importlib import import_module

    # Preloaded already, unless something else started this process's forkserver before the zygote's
    # first fork: the preload is then ignored, and the training libraries must still be unimportable.
    import_module("tests.serving_image")
    sys.exit(import_module(f"{PACKAGE}.__main__").main(["serve"]))


class ForkedServer:
    """A server forked from the zygote, with the part of subprocess.Popen's interface the tests use."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.args = ["serve"]
        self.process: ForkServerProcess = context.Process(target=_serve, args=(environment, str(log)))
        self.process.start()
        assert self.process.pid is not None
        self.pid: int = self.process.pid

    def poll(self) -> int | None:
        return self.process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.process.exitcode

    def send_signal(self, sig: int) -> None:
        if self.process.exitcode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
