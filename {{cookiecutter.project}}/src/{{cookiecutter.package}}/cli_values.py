"""The numbers and URLs a command line takes: ASCII digits, finite and in range, URLs a client can
open; or one line saying what fits.

argparse's `int` and `float` take whatever Python's do: other scripts' digits (`٨٠٨٠`), `nan`, `inf`
and negative counts, each of which a command would then act on (a wait that never ends, a check of
zero samples that passes). These are the `type=` of every numeric option; argparse puts a refusal in
one line naming the option (`Parser.error` in __main__).
"""

import argparse
import math
import re
from collections.abc import Callable
from urllib.parse import urlsplit

_WHOLE = re.compile(r"[0-9]{1,20}")
_DECIMAL = re.compile(r"[0-9]{1,20}(\.[0-9]{0,9})?|\.[0-9]{1,9}")


def whole(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """A whole number from `minimum` to `maximum` (no bound when None)."""
    fits = f"at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"

    def parse(text: str) -> int:
        value = int(text) if _WHOLE.fullmatch(text) else None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number {fits}")
        return value

    return parse


def seconds(text: str) -> float:
    """A duration in seconds: zero or more, finite, written in decimal digits."""
    if _DECIMAL.fullmatch(text) is None or not math.isfinite(float(text)):
        raise argparse.ArgumentTypeError(f"{text!r}: expected seconds, 0 or more (e.g. 30 or 0.5)")
    return float(text)


def http_url(text: str) -> str:
    """An http:// or https:// URL with a host, as the delivery checks poll it."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (reading it checks it: a port out of range or not a number raises)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an http:// or https:// URL with a host")
    return text
