"""`score`: the model over CSV or Parquet files, in chunks, checked as the server checks requests.

Everything that needs pyarrow is imported when the command runs, so that an image without the `batch`
extra still starts every other command and answers this one with one line.
"""

import argparse
import signal
from pathlib import Path

from ..errors import Failure
from ..settings import read_settings
from ..shards import Shard
from .settings import BatchSettings


def add_batch_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
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


def run_score(args: argparse.Namespace) -> int:
    try:
        from .score import STOP, Job, run_job
    except ModuleNotFoundError as error:
        if error.name != "pyarrow":
            raise
        raise Failure(
            "score needs pyarrow: run it in the batch image, or install the `batch` extra"
        ) from None
    from ..runtime.predictor import FileLimits

    settings = read_settings(BatchSettings)
    source = args.input or settings.score_input
    target = args.output or settings.score_output
    if source is None or target is None:
        raise Failure("score needs --input and --output (or APP_SCORE_INPUT and APP_SCORE_OUTPUT)")
    errors = args.errors or settings.score_errors
    shard = Shard.parse(args.shard, "--shard") if args.shard is not None else None
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
