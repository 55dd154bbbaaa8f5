"""`python -m <package>`: every area's commands, and a failure as one line on stderr with exit code 2."""

import argparse
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import build_parser, main

# Every area's commands, in the order `--help` lists them: the model's, serving's, batch's, delivery's.
COMMANDS = [
    *("train", "export", "validate", "card", "track", "retrain", "tune", "fetch"),
    "serve",
    "score",
    *("render", "publish", "rollback", "register", "propose", "check-head", "rulesets", "url"),
    *("wait-for-revision", "wait-for-canary", "smoke"),
]


def test_the_parser_has_exactly_the_commands_of_every_area() -> None:
    commands = next(
        action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert list(commands.choices) == COMMANDS


def test_help_lists_the_commands_of_every_area(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    listed = capsys.readouterr().out
    # Each as a word of its own (argparse puts a long name's help on the next line, depending on the width).
    assert [command for command in COMMANDS if command not in listed.split()] == []


def test_a_failing_command_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["card", "--artifacts", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {tmp_path}: no manifest.json; run train first\n"
    assert captured.out == ""


def exit_code(arguments: list[str]) -> int | str | None:
    """main's exit code, whether argparse refused the arguments (SystemExit) or the command did."""
    try:
        return main(arguments)
    except SystemExit as exiting:
        return exiting.code


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [
        (["score", "--input", "in.csv", "--output", "parts", "--shard", "-1/4"], "--shard"),
        (["tune", "--trial", "-1/4", "--search", "my-search"], "--trial"),
        (["score", "--shards", "0/4"], "--shards"),
    ],
    ids=["shard=-1/4", "trial=-1/4", "unknown-flag"],
)
def test_arguments_the_command_line_refuses_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], flag: str
) -> None:
    """argparse printed its usage, then the error: `--trial -1/4` took two lines to refuse."""
    assert exit_code(arguments) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert flag in lines[0]
