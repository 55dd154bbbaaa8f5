"""model.lock: read strictly, written in a fixed form; a project without one trains in CI."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.lock import ModelLock, read_lock, render_lock

FILES = {"manifest.json": "c" * 64, "gate.json": "d" * 64, "MODEL_CARD.md": "e" * 64}
LOCK = ModelLock(name="ml-service", version="7", sha256="a" * 64, run_id="b" * 32, files=FILES)


def test_a_lock_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "model.lock"
    path.write_text(render_lock(LOCK))
    assert read_lock(path) == LOCK
    assert path.read_text().splitlines()[-9:] == [
        'name = "ml-service"',
        'version = "7"',
        f'sha256 = "{"a" * 64}"',
        f'run_id = "{"b" * 32}"',
        "",
        "[files]",
        f'"MODEL_CARD.md" = "{"e" * 64}"',
        f'"gate.json" = "{"d" * 64}"',
        f'"manifest.json" = "{"c" * 64}"',
    ]


def test_no_lock_is_no_pin(tmp_path: Path) -> None:
    assert read_lock(tmp_path / "model.lock") is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("a" * 64, "A" * 64), "sha256: String should match pattern"),
        (lambda text: text.replace("a" * 64, "a" * 63), "sha256"),
        (lambda text: text.replace('version = "7"', 'version = "latest"'), "version"),
        (
            lambda text: text.replace('version = "7"', "version = 7"),
            "version: Input should be a valid string",
        ),
        (
            lambda text: text.replace("\n[files]", 'tracking_uri = "http://elsewhere"\n\n[files]'),
            "tracking_uri: Extra inputs are not permitted",
        ),
        (lambda text: text.replace('run_id = "', 'run_id = "x'), "run_id"),
        (lambda text: text.replace("c" * 64, "C" * 64), "files.manifest.json: String should match pattern"),
        (
            lambda text: "\n".join(line for line in text.splitlines() if "gate.json" not in line),
            "files: Value error, pins no gate.json",
        ),
        (
            lambda text: text + f'"../model.onnx" = "{"f" * 64}"\n',
            "files: Value error, ../model.onnx: a version holds only manifest.json",
        ),
        (lambda text: text.split("\n[files]\n")[0], "files: Field required"),
        (lambda text: text.replace("name = ", "name == "), "not valid TOML"),
        (
            lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("sha256")),
            "sha256: Field required",
        ),
    ],
)
def test_a_lock_edited_by_hand_is_refused_with_the_field(tmp_path: Path, edit: object, message: str) -> None:
    path = tmp_path / "model.lock"
    path.write_text(edit(render_lock(LOCK)))  # type: ignore[operator]
    with pytest.raises(Failure, match=message):
        read_lock(path)
