"""Structured JSON logs, each line carrying the id of the request that produced it."""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

request_id: ContextVar[str] = ContextVar("request_id", default="-")

# uvicorn adds color_message for its own console formatter; the JSON line has no use for it.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str, json_lines: bool | None) -> None:
    """Route the app's and uvicorn's loggers to stdout in one format: JSON lines, or (None) JSON unless
    stdout is a terminal, where a person reads plain text."""
    handler = _AppHandler(sys.stdout)
    if json_lines if json_lines is not None else not sys.stdout.isatty():
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
        handler.addFilter(_add_request_id)
    root = logging.getLogger()
    # Replace only our own handler, so calling this again (a second app, pytest's caplog) is safe.
    root.handlers[:] = [other for other in root.handlers if not isinstance(other, _AppHandler)]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # uvicorn logs each request when this logger has any handler, even through the root; the app
    # writes its own access line (APP_ACCESS_LOG) with the request id instead.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    # httpx logs every request at info: each re-ask of the shadow stage, which its counters already count.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class _AppHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs."""


def _add_request_id(record: logging.LogRecord) -> bool:
    record.request_id = request_id.get()
    return True
