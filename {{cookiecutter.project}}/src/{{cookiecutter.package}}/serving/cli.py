"""`serve`: run the app under uvicorn the way the image does; `score`: the same model over files."""

import argparse
import math
import shutil
import signal
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ..errors import CliError
from ..settings import Settings, export_multiproc_dir, export_overrides, get_settings
from .monitoring.logs import configure_logging
from .monitoring.tracing import require_tracing


def add_serving_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "serve",
        help="Serve the model over HTTP",
        description="Serve the model; every setting is an APP_* variable, and these options win over theirs.",
    )
    parser.add_argument("--host", help="Address to listen on (APP_HOST)")
    parser.add_argument("--port", type=int, help="Port to listen on (APP_PORT)")
    parser.add_argument("--workers", type=int, help="Worker processes (APP_WORKERS)")
    parser.set_defaults(handler=run_serve)

    score = commands.add_parser(
        "score",
        help="Score a CSV or Parquet file (or a directory of them) in chunks; see the README",
        description="Score rows with the model of APP_MODEL_DIR, checked as the server checks requests.",
    )
    score.add_argument("--input", type=Path, help="A .csv or .parquet file, or a directory (APP_SCORE_INPUT)")
    score.add_argument("--output", type=Path, help="The .csv or .parquet file to write (APP_SCORE_OUTPUT)")
    score.add_argument(
        "--errors",
        type=Path,
        help="Write refused rows here, score the rest (APP_SCORE_ERRORS; a directory with --shard)",
    )
    score.add_argument(
        "--shard", help="I/N: score the I-th of N shards (0-based) into the part OUTPUT/part-I-of-N.parquet"
    )
    score.add_argument(
        "--keep",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="Input columns to copy out, with their type: Parquet's; a CSV column's text, or an integer or"
        " float when every value is written as that number prints (007 stays text)",
    )
    score.set_defaults(handler=run_score)


def run_serve(args: argparse.Namespace) -> int:
    options = {name: getattr(args, name) for name in ("host", "port", "workers")}
    try:
        export_overrides({name: value for name, value in options.items() if value is not None})
    except ValidationError as error:
        problem = error.errors()[0]
        raise CliError(f"--{problem['loc'][0]}: {problem['msg']}") from None
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    require_tracing(settings)
    made_here = settings.prometheus_multiproc_dir is None
    metrics_dir = prepare_metrics_dir(settings)
    try:
        _start_uvicorn(settings)
    finally:
        if made_here and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _start_uvicorn(settings: Settings) -> None:
    import uvicorn  # imported here so the other commands start fast

    from .protocol import GuardedProtocol

    # After a clean shutdown uvicorn raises the SIGTERM it caught again, with the handler it found
    # in place; the default one would end the process with 143 rather than 0.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(
        f"{__package__}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http=GuardedProtocol,
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


def prepare_metrics_dir(settings: Settings) -> Path | None:
    """Several workers share metrics through files in one directory, emptied at start (stale pids)."""
    directory = settings.prometheus_multiproc_dir
    if directory is None and settings.workers > 1:
        directory = Path(tempfile.mkdtemp(prefix="prometheus-"))
        export_multiproc_dir(directory)
        get_settings.cache_clear()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    return directory


def run_score(args: argparse.Namespace) -> int:
    try:
        from .batch.score import STOP, Job, run_job
    except ModuleNotFoundError as error:
        if error.name != "pyarrow":
            raise
        raise CliError(
            "score needs pyarrow: run it in the batch image, or install the `batch` extra"
        ) from None
    from .batch.shards import parse_shard
    from .predictor import FileLimits

    settings = get_settings()
    source = args.input or settings.score_input
    target = args.output or settings.score_output
    if source is None or target is None:
        raise CliError("score needs --input and --output (or APP_SCORE_INPUT and APP_SCORE_OUTPUT)")
    errors = args.errors or settings.score_errors
    shard = parse_shard(args.shard) if args.shard else None
    job = Job(
        Path(source),
        Path(target),
        Path(errors) if errors else None,
        shard,
        args.keep,
        settings.score_batch_rows,
        settings.strict_categories,
    )
    # Kubernetes stops a pod with SIGTERM: stop at the next chunk, removing the half-written output.
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    limits = FileLimits(settings.max_model_bytes, settings.max_manifest_bytes)
    summary = run_job(job, settings.model_dir, settings.intra_op_threads, limits)
    refused = f"; {summary.refused} rows refused, in {errors}" if errors else ""
    print(f"scored {summary.scored} rows into {summary.output}{refused}")
    return 0
