"""Log lines: plain text for a person at a terminal, JSON for everything else, unless told otherwise."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from {{ cookiecutter.package }}.serving.monitoring.logs import configure_logging


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging replaces the root logger's handler; put the one the tests run with back."""
    handlers, level = logging.getLogger().handlers[:], logging.getLogger().level
    yield
    logging.getLogger().handlers[:] = handlers
    logging.getLogger().setLevel(level)


@pytest.mark.parametrize(
    ("stdout", "setting", "json_lines"),
    [
        (Terminal(), None, False),  # make serve in a terminal
        (io.StringIO(), None, True),  # a container, a pipe, a file
        (Terminal(), True, True),  # APP_LOG_JSON=true wins over the terminal
        (io.StringIO(), False, False),
    ],
    ids=["tty", "not-a-tty", "tty-told-json", "not-a-tty-told-text"],
)
def test_log_lines_are_json_unless_a_person_reads_them(
    monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO, setting: bool | None, json_lines: bool
) -> None:
    monkeypatch.setattr("sys.stdout", stdout)
    configure_logging("info", setting)
    logging.getLogger("test").info("model ready")
    line = stdout.getvalue().strip()
    if json_lines:
        assert json.loads(line)["message"] == "model ready"
    else:
        assert line.endswith("INFO test [-] model ready")
