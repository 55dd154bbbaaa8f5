"""`python -m <package>`: every area's commands, and a failure as one line on stderr with exit code 2."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import main

# The model's, serving's and delivery's commands.
COMMANDS = [
    *("train", "export", "validate", "card", "serve"),
    *("render", "publish", "rollback", "url", "wait-for-revision", "wait-for-canary", "smoke"),
]


def test_help_lists_the_commands_of_every_area(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    listed = capsys.readouterr().out
    assert [command for command in COMMANDS if command not in listed] == []


def test_a_failing_command_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["card", "--artifacts", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {tmp_path}: no manifest.json; run train first\n"
    assert captured.out == ""
