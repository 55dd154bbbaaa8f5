"""The one exception type the CLI turns into a single readable line and a non-zero exit."""


class CliError(Exception):
    """A user-facing failure: bad argument, missing file, failed gate. The message is the whole story."""


def first_line(error: Exception) -> str:
    """The first line of an error's text (libraries' messages run to tracebacks), else its type."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
