"""The one exception type the CLI turns into a single readable line and a non-zero exit."""


class CliError(Exception):
    """A user-facing failure: bad argument, missing file, failed gate. The message is the whole story."""
