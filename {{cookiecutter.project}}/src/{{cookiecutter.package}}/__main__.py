"""Command line: `python -m <package> COMMAND`; each area (model, serving, batch, delivery, experiment) adds
its own."""

import argparse
import io
import sys
from collections.abc import Sequence
from typing import NoReturn

from .batch.cli import add_batch_commands
from .delivery.cli import add_delivery_commands
from .errors import Failure, first_line
from .experiment.cli import add_experiment_commands
from .model.cli import add_model_commands
from .outcomes.cli import add_outcomes_commands
from .serving.cli import add_serving_commands

# Each area adds its own sub-commands; none imports scikit-learn at import time, so the serving
# image (which has no scikit-learn) can run `serve`.
COMMAND_GROUPS = (
    add_model_commands,
    add_serving_commands,
    add_batch_commands,
    add_delivery_commands,
    add_experiment_commands,
    add_outcomes_commands,
)


class Parser(argparse.ArgumentParser):
    """argparse's own refusals (a flag without its value, an unknown flag) in one line, as every other
    refusal is, instead of the usage followed by the error. Each command's parser is one of these."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    # Typed as the base class, which each area's commands take; the commands' parsers are Parsers too.
    parser: argparse.ArgumentParser = Parser(prog=f"python -m {__package__}", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_commands in COMMAND_GROUPS:
        add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # One write per line: a Job's shards (or `xargs -P`) share one log stream, where a line written in
    # two parts is spliced with another process's (a sharded search's `trial 3` line went missing so).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except Failure as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:
        # A path that is a directory where a file should be (or the reverse), unreadable, or taken: what
        # the file system said, about the path it said it of.
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return 1


def describe_os_error(error: OSError) -> str:
    if error.filename is None:
        return first_line(error)
    return f"{error.filename}: {error.strerror or first_line(error)}"


if __name__ == "__main__":
    sys.exit(main())
