"""The delivery commands as the CLI runs them: one line of output, exit code 0, outputs for the workflow."""

import argparse
import shutil
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.delivery.cli import add_delivery_commands

from .. import PROJECT_DIR
from ..repos import bare_remote, clone, git

DIGEST = "sha256:" + "a" * 64
MODEL_SHA256 = "b" * 64


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    parser = argparse.ArgumentParser()
    add_delivery_commands(parser.add_subparsers())
    args = parser.parse_args(argv)
    assert args.handler(args) == 0
    return capsys.readouterr().out


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    seed = tmp_path / "seed"
    shutil.copytree(PROJECT_DIR / "k8s", seed / "k8s")
    clone_dir = clone(bare_remote(seed, tmp_path / "remote.git"), tmp_path / "ci")
    monkeypatch.chdir(clone_dir)
    return clone_dir


@pytest.mark.slow
def test_render_and_publish_print_one_line_and_record_the_commit_for_the_workflow(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = git(repo, "rev-parse", "HEAD")
    out = run(
        ["render", "--env", "staging", "--source", source, "--digest", DIGEST, "--out", "build/staging"],
        capsys,
    )
    assert out == f"staging: rendered {source[:12]} with {DIGEST} into build/staging/manifests.yaml\n"
    record = repo / "github-output"
    record.write_text("url=https://example.com\n")
    publish = [
        "publish",
        "--env",
        "staging",
        "--from",
        "build/staging",
        "--source",
        source,
        "--digest",
        DIGEST,
    ]
    out = run([*publish, "--model-sha256", MODEL_SHA256, "--record", str(record)], capsys)
    tip = git(repo.parent / "remote.git", "rev-parse", "env/staging")
    assert out == f"staging: env/staging is at {tip}\n"
    assert record.read_text() == f"url=https://example.com\ncommit={tip}\n"
    assert run(["rollback", "--env", "staging", "--promotion", "0" * 40], capsys) == (
        f"staging: {'0' * 12} was superseded by {tip[:12]}; nothing rolled back\n"
    )
