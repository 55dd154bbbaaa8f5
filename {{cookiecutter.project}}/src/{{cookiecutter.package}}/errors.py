"""The failures library code reports to whoever called it, and `first_line` for libraries' own errors.

Library code raises these where it knows what went wrong; `__main__` turns one into a single readable
line and a non-zero exit, and the HTTP layers never see one (their inputs fail with their own errors).
"""

from pathlib import Path


class Failure(Exception):
    """A failure a person must act on: bad argument, missing file, failed gate. The message is the whole
    story, written for the one line the command prints."""

    # 2, as for a bad argument: the command was asked something it cannot do. 1: it ran and failed.
    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class SourceError(Failure):
    """The training data could not be read where it was named: a bad URI, no credentials, nothing there.

    Exit code 1, apart from the command's own mistakes (2), so a Job's failure policy can tell them apart.
    """

    exit_code = 1


def first_line(error: Exception) -> str:
    """The first line of an error's text (libraries' messages run to tracebacks), else its type."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def require_regular_file(path: Path) -> None:
    """Refuse, unread, a path that exists but is no regular file: a directory, or a FIFO whose read would
    wait for a writer forever. A missing path is left to the reader."""
    if path.exists() and not path.is_file():
        raise Failure(f"{path}: not a regular file")
