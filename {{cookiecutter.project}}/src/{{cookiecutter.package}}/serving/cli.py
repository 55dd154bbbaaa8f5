"""`serve`: the app under uvicorn as the image runs it; serving/settings.py says how workers get settings."""

import argparse
import functools
import logging
import math
import shutil
import signal
import tempfile
from pathlib import Path

from ..cli_values import whole
from ..errors import Failure
from .ids import share_start_key
from .monitoring.logs import configure_logging
from .monitoring.tracing import require_tracing
from .settings import ServerSettings, export_multiproc_dir, export_overrides


def add_serving_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "serve",
        help="Serve the model over HTTP",
        description="Serve the model; every setting is an APP_* variable, and these options win over theirs.",
    )
    parser.add_argument("--host", help="Address to listen on (APP_HOST)")
    parser.add_argument("--port", type=whole(1, 65535), help="Port to listen on (APP_PORT)")
    parser.add_argument("--workers", type=whole(1), help="Worker processes (APP_WORKERS)")
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    options = {name: getattr(args, name) for name in ("host", "port", "workers")}
    settings = export_overrides({name: value for name, value in options.items() if value is not None})
    configure_logging(settings.log_level, settings.log_json)
    require_tracing(settings)
    share_start_key(settings)
    made_here = settings.prometheus_multiproc_dir is None
    metrics_dir = prepare_metrics_dir(settings)
    try:
        _start_uvicorn(settings)
    finally:
        if made_here and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


class StartupError(logging.Handler):
    """The last error uvicorn logged: why it could not listen (an address in use, a host that does not
    resolve), which it logs and then exits on, saying nothing on stderr when the logs are JSON on stdout."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.message = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "uvicorn.error":
            self.message = record.getMessage()


def _start_uvicorn(settings: ServerSettings) -> None:
    # After a clean shutdown uvicorn raises the SIGTERM it caught again, with the handler it found
    # in place; the default one would end the process with 143 rather than 0.
    signal.signal(signal.SIGTERM, lambda *_: None)
    startup = StartupError()
    # On the root, where uvicorn's records arrive: the app's logging setup empties uvicorn's own handlers.
    logging.getLogger().addHandler(startup)
    try:
        _run_uvicorn(settings)
    except SystemExit as exiting:
        if exiting.code in (0, None):
            raise
        reason = startup.message or "see the log"
        where = f"{settings.host}:{settings.port}"
        raise Failure(f"serve: could not start on {where}: {reason}", exit_code=int(exiting.code)) from None


def _run_uvicorn(settings: ServerSettings) -> None:
    import uvicorn  # imported here so the other commands start fast

    from .http.connection import GuardedProtocol
    from .http.transport import limits_of

    uvicorn.run(
        f"{__package__}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        # A protocol instance per connection, made by uvicorn: the limits are bound here, once.
        http=functools.partial(GuardedProtocol, limits=limits_of(settings)),  # type: ignore[arg-type]
        ws="none",
        # Not uvloop: libuv accepts one connection per loop iteration (libuv PR #3696), so under
        # load new connections, kubelet probes among them, wait seconds; asyncio accepts them all.
        loop="asyncio",
        timeout_keep_alive=math.ceil(settings.keepalive_timeout_s),
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_s),
        log_config=None,
        access_log=False,
        server_header=False,
    )


def prepare_metrics_dir(settings: ServerSettings) -> Path | None:
    """Several workers share metrics through files in one directory, emptied at start (stale pids)."""
    directory = settings.prometheus_multiproc_dir
    if directory is None and settings.workers > 1:
        directory = Path(tempfile.mkdtemp(prefix="prometheus-"))
        export_multiproc_dir(directory)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    return directory
