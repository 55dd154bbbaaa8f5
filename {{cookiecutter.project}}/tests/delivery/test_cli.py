"""The delivery commands as the CLI runs them: one line of output, exit code 0."""

import argparse
import shutil
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery.cli import add_delivery_commands

from .. import PROJECT_DIR

DIGEST = "sha256:" + "a" * 64


def test_set_image_command_prints_one_line_and_exits_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(PROJECT_DIR / "k8s", tmp_path / "k8s")
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    add_delivery_commands(parser.add_subparsers())
    args = parser.parse_args(["set-image", "--env", "staging", "--digest", DIGEST])
    assert args.handler(args) == 0
    assert capsys.readouterr().out == f"staging: pinned {DIGEST}\n"
