"""`score` as the command line runs it: its files from the flags or the environment, and each mistake
(a missing file flag, a bad --shard, an image without pyarrow) one line, with no traceback."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.__main__ import main

from .. import PROJECT_DIR
from ..zygote import PACKAGE


def refusal(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> list[str]:
    """The lines `score` writes to stderr when it refuses to run."""
    assert main(["score", *arguments]) != 0
    return capsys.readouterr().err.splitlines()


def test_score_without_input_or_output_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_SCORE_INPUT", raising=False)
    monkeypatch.delenv("APP_SCORE_OUTPUT", raising=False)
    message = "error: score needs --input and --output (or APP_SCORE_INPUT and APP_SCORE_OUTPUT)"
    assert refusal(capsys, ["--output", "scores.parquet"]) == [message]
    assert refusal(capsys, ["--input", "in.parquet"]) == [message]


@pytest.mark.parametrize(
    ("shard", "given"),
    [
        (["--shard", "4/4"], "4/4"),
        (["--shard", "1of4"], "1of4"),
        (["--shard=-1/4"], "-1/4"),
        (["--shard", ""], ""),
    ],
)
def test_a_bad_shard_is_one_line(capsys: pytest.CaptureFixture[str], shard: list[str], given: str) -> None:
    assert refusal(capsys, ["--input", "in.parquet", "--output", "parts", *shard]) == [
        f"error: --shard {given!r}: expected I/N with 0 <= I < N, e.g. 0/4 for the first of four"
    ]


def test_a_model_that_cannot_load_is_one_line_saying_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The reason the server logs (with its path), here as the command's one error line, not a log line
    before it."""
    not_a_directory = tmp_path / "model"
    not_a_directory.write_text("")
    monkeypatch.setenv("APP_MODEL_DIR", str(not_a_directory))
    (tmp_path / "in.csv").write_text("a\n1\n")
    arguments = ["--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / "out.csv")]
    [line] = refusal(capsys, arguments)
    assert line.startswith(f"error: {not_a_directory}: model not ready: model files are ")
    assert str(not_a_directory / "manifest.json") in line


def test_the_files_may_come_from_the_environment(
    make_input: Callable[..., Path],
    artifacts_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "scores.parquet"
    monkeypatch.setenv("APP_MODEL_DIR", str(artifacts_dir))
    monkeypatch.setenv("APP_SCORE_INPUT", str(make_input(rows=30)))
    monkeypatch.setenv("APP_SCORE_OUTPUT", str(output))
    handler = signal.getsignal(signal.SIGTERM)  # `score` stops at the next chunk on SIGTERM
    try:
        assert main(["score"]) == 0
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert capsys.readouterr().out == f"scored 30 rows into {output}\n"
    assert pq.read_table(output).num_rows == 30


def test_score_without_pyarrow_is_one_line_that_names_the_batch_image(artifacts_dir: Path) -> None:
    """The serving image has no pyarrow: its `score` must say where to run instead of a traceback."""
    # As an image without it would fail: a ModuleNotFoundError naming pyarrow.
    prelude = (
        "import sys\nclass Missing:\n    def find_spec(self, name, path, target=None):\n"
        "        if name == 'pyarrow':\n            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, Missing())"
    )
    command = [
        sys.executable,
        "-c",
        f"{prelude}\nimport runpy\nrunpy.run_module({PACKAGE!r}, run_name='__main__')",
    ]
    arguments = ["score", "--input", "in.csv", "--output", "out.csv"]
    environment = {**os.environ, "APP_MODEL_DIR": str(artifacts_dir)}
    result = subprocess.run(
        [*command, *arguments], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "error: score needs pyarrow: run it in the batch image, or install the `batch` extra"
    ]


def test_the_server_never_imports_pyarrow(artifacts_dir: Path) -> None:
    code = (
        "import sys; from {{ cookiecutter.package }}.serving.app import create_app; "
        "from {{ cookiecutter.package }}.serving.settings import ServerSettings; "
        f"create_app(ServerSettings(model_dir={str(artifacts_dir)!r}, workers=1)); "
        "assert 'pyarrow' not in sys.modules, 'pyarrow imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_make_score_passes_errors_and_keep_on() -> None:
    command = [
        "make",
        "-n",
        "score",
        "INPUT=in.csv",
        "OUTPUT=out.parquet",
        "ERRORS=bad.csv",
        "KEEP=id region",
    ]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    recipe = " ".join(result.stdout.replace("\\\n", " ").split())
    assert "score --input in.csv --output out.parquet --errors bad.csv --keep id region" in recipe
