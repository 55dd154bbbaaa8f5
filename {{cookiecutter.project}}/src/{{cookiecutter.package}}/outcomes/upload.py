"""Posting outcome rows to a server's /v1/outcomes, a batch a request, and tallying what it answered."""

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .files import Row

PATH = "/v1/outcomes"
# Refusals shown one by one; the rest are only counted.
SHOWN = 10
# A 503 (shedding, draining, a restart) or a refused connection: nothing was recorded, so try again.
RETRY_WAITS = (1.0, 2.0, 4.0)


class ServerFailed(Exception):
    """The server answered a batch with no results (an error status) or not at all."""


@dataclass
class Summary:
    accepted: int = 0
    skipped: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    shown: list[str] = field(default_factory=list)

    def line(self) -> str:
        reasons = ", ".join(f"{reason} {count}" for reason, count in self.refused.most_common())
        refused = f"{self.refused.total()} refused" + (f" ({reasons})" if reasons else "")
        return f"outcomes: {self.accepted} accepted, {refused}, {self.skipped} skipped (no outcome)"


def upload(batches: Iterable[list[Row]], client: httpx.Client, summary: Summary) -> None:
    """Post every batch, tallying into `summary`; ServerFailed stops at the first batch with no answer."""
    for batch in batches:
        rows = [(number, outcome) for number, outcome in batch if outcome is not None]
        summary.skipped += len(batch) - len(rows)
        if rows:
            results = _post(client, [outcome for _, outcome in rows])
            _tally(summary, [number for number, _ in rows], results)


def _post(client: httpx.Client, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for wait in (*RETRY_WAITS, None):
        try:
            response = client.post(PATH, json={"outcomes": outcomes})
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            if wait is None:
                raise ServerFailed(f"could not reach {client.base_url}: {error}") from None
            time.sleep(wait)
            continue
        if response.status_code != 503 or wait is None:
            return _results(response, len(outcomes))
        time.sleep(wait)
    raise AssertionError("the loop returns or raises on its last pass")


def _results(response: httpx.Response, count: int) -> list[dict[str, Any]]:
    try:
        document = response.json()
    except ValueError:
        document = None
    results = document.get("results") if isinstance(document, dict) else None
    if response.status_code in (200, 422) and isinstance(results, list) and len(results) == count:
        return results
    error = document.get("error") if isinstance(document, dict) else response.text[:200]
    raise ServerFailed(f"{response.request.url} answered {response.status_code}: {error}")


def _tally(summary: Summary, numbers: list[int], results: list[dict[str, Any]]) -> None:
    for number, result in zip(numbers, results, strict=True):
        if result.get("status") == "accepted":
            summary.accepted += 1
            continue
        reason = str(result.get("reason"))
        summary.refused[reason] += 1
        if len(summary.shown) < SHOWN:
            summary.shown.append(f"row {number}: {reason}: {result.get('detail')}")
