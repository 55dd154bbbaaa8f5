"""The model commands, run in process as `python -m <package>` would parse and run them."""

import argparse
from collections.abc import Callable

import pytest

from {{ cookiecutter.package }}.model.cli import add_model_commands


@pytest.fixture
def run_command() -> Callable[..., int]:
    """Parse argv with the model commands and run the chosen handler; a CliError propagates."""

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser()
        add_model_commands(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(argv)
        return int(args.handler(args))

    return run
