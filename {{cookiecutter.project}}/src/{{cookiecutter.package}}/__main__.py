"""Command line: `python -m <package> COMMAND`; each concern registers its own commands."""

import argparse
import sys
from collections.abc import Sequence

from .delivery import cli as delivery_cli
from .errors import CliError
from .serving import cli as serving_cli
from .training import cli as training_cli

# Each module's register() adds its sub-commands; none of them imports scikit-learn at import time,
# so the serving image (which has no scikit-learn) can run `serve`.
COMMAND_GROUPS = (training_cli, serving_cli, delivery_cli)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
