"""`python -m <package>`: every area's commands, and a failure as one line on stderr with exit code 2."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import build_parser, main

from .zygote import PACKAGE

# Every area's commands, in the order `--help` lists them: the model's, serving's, batch's, delivery's,
# outcomes'.
COMMANDS = [
    *("train", "export", "validate", "card", "track", "retrain", "tune", "fetch"),
    "serve",
    "score",
    *("render", "publish", "rollback", "register", "propose", "check-head", "rulesets", "url"),
    *("wait-for-revision", "wait-for-canary", "smoke"),
    "experiment",
    "outcomes",
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
        # What int() and float() would take: other scripts' digits, nan, inf, counts below one.
        (["score", "--input", "in.csv", "--output", "parts", "--shard", "\u0661/\u0662"], "--shard"),
        (["tune", "--out", "out", "--trial", "", "--search", "my-search"], "--trial"),
        (["tune", "--out", "out", "--wait", "nan"], "--wait"),
        (["serve", "--port", "\u0668\u0660\u0668\u0660"], "--port"),
        (["wait-for-revision", "http://127.0.0.1:9", "abc", "--samples", "0"], "--samples"),
        (["wait-for-revision", "http://127.0.0.1:9", "abc", "--timeout", "inf"], "--timeout"),
        (["url", "--env", "preview", "--pr", "-5"], "--pr"),
        (["smoke", "http://[::1"], "url"),
        (["rulesets", "--staging-app-id", "0", "--production-app-id", "2", "--out", "o"], "--staging-app-id"),
    ],
    ids=[
        "shard=-1/4",
        "trial=-1/4",
        "unknown-flag",
        "shard=arabic-indic-digits",
        "trial=empty",
        "wait=nan",
        "port=arabic-indic-digits",
        "samples=0",
        "timeout=inf",
        "pr=-5",
        "url=unclosed-ipv6",
        "app-id=0",
    ],
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


@pytest.mark.parametrize(
    ("arguments", "variable", "value"),
    [
        (["serve"], "APP_MAX_CONCURRENCY", "-1"),
        (["serve"], "APP_PORT", "http"),
        (["score"], "APP_SCORE_BATCH_ROWS", "0"),
    ],
)
def test_a_bad_setting_is_one_line_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    variable: str,
    value: str,
) -> None:
    """Not the option it would be on the command line (`--port`), which the user never typed."""
    monkeypatch.setenv(variable, value)
    assert exit_code(arguments) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {variable}: ")


def test_a_path_of_the_wrong_kind_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the file system said, of the path it said it of: here a file where a directory goes."""
    not_a_directory = tmp_path / "artifacts"
    not_a_directory.write_text("")
    assert exit_code(["card", "--artifacts", str(not_a_directory)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"error: {not_a_directory / 'manifest.json'}: Not a directory"


@pytest.mark.parametrize("kind", ["directory", "fifo"])
@pytest.mark.parametrize("option", ["--config", "--lock"])
def test_a_config_or_lock_that_is_not_a_regular_file_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, kind: str
) -> None:
    """Reading a FIFO would wait for a writer forever."""
    path = tmp_path / "not-a-file"
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)
    command = ["train", "--out", "out"] if option == "--config" else ["fetch", "--into", "model"]
    assert exit_code([*command, option, str(path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"error: {path}: not a regular file"


def test_every_command_writes_its_output_a_whole_line_at_a_time() -> None:
    """Line-buffered, so that processes sharing one stdout pipe never splice each other's lines."""
    script = "\n".join(
        [
            "import sys",
            f"from {PACKAGE}.__main__ import main",
            "main(['url', '--env', 'staging'])",
            "sys.stdout.write(str(sys.stdout.line_buffering))",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.endswith("\nTrue")


def test_the_commands_load_no_model_runtime_until_one_runs() -> None:
    """The serving image prints onnxruntime's own warnings on a read-only root: `score` there must say
    what it needs in one line (test_image.py), so building the parser imports neither onnxruntime nor
    scikit-learn."""
    runtimes = "{'onnxruntime', 'sklearn'}"
    code = f"import sys, {PACKAGE}.__main__; print(sorted(set(sys.modules) & {runtimes}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
