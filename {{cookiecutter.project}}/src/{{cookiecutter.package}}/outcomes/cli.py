"""`outcomes`: post the ground truth of a CSV or Parquet file to a server, for teams whose labels arrive
in a warehouse rather than one by one."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli_values import http_url, seconds, whole
from ..errors import Failure
from .record import MAX_OUTCOMES

if TYPE_CHECKING:
    from .upload import Summary


def add_outcomes_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "outcomes",
        help="Post the outcomes of a CSV or Parquet file to a server's /v1/outcomes",
        description=(
            "Post outcomes, streamed from a file with the columns prediction_id and one of label, value"
            " or business (others are ignored; rows with no outcome are skipped). Exits 1 when the server"
            " refused any, or failed."
        ),
    )
    parser.add_argument("--input", type=Path, required=True, help="A .csv or .parquet file")
    parser.add_argument("--url", type=http_url, default="http://127.0.0.1:8080", help="The server's base URL")
    parser.add_argument(
        "--batch-size", type=whole(1, MAX_OUTCOMES), default=MAX_OUTCOMES, help="Outcomes per request"
    )
    parser.add_argument("--timeout", type=seconds, default=30.0, help="Seconds to wait for each answer")
    parser.set_defaults(handler=run_outcomes)


def run_outcomes(args: argparse.Namespace) -> int:
    # Imported here: httpx takes a tenth of a second to import, which every other command would pay.
    import httpx

    from .files import read_rows
    from .upload import ServerFailed, Summary, upload

    summary = Summary()
    try:
        with httpx.Client(base_url=args.url, timeout=args.timeout) as client:
            upload(read_rows(args.input, args.batch_size), client, summary)
    except (ServerFailed, httpx.HTTPError) as error:
        _report(summary)
        raise Failure(f"outcomes: {error}", exit_code=1) from None
    except Failure:
        # A file that turns bad part way (a ragged line): what was sent before it stays recorded.
        if summary.accepted or summary.refused:
            _report(summary)
        raise
    _report(summary)
    return 1 if summary.refused else 0


def _report(summary: "Summary") -> None:
    print(summary.line())
    for line in summary.shown:
        print(f"  {line}", file=sys.stderr)
