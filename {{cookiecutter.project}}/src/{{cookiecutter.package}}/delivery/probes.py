"""Ask a running service what it serves: wait for a revision to roll out, then smoke-test it."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from ..errors import CliError

REQUEST_TIMEOUT_S = 10.0
FIRST_BACKOFF_S = 2.0
MAX_BACKOFF_S = 30.0
DEFAULT_SAMPLES = 20


def fetch(url: str, body: object | None = None) -> bytes:
    """GET `url` (or POST `body` as JSON) and return the body of a 2xx answer; anything else is a CliError."""
    if not url.startswith(("http://", "https://")):
        raise CliError(f"{url} is not an http(s) URL")
    data = None if body is None else json.dumps(body).encode()
    # The scheme is checked above, so no file: or custom-scheme URL gets here.
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:  # noqa: S310
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        raise CliError(f"{url} answered {error.code}: {error.read()[:300]!r}") from error
    except OSError as error:
        raise CliError(f"{url} did not answer: {error}") from error


def request_json(url: str, body: object | None = None) -> Any:
    try:
        return json.loads(fetch(url, body))
    except ValueError as error:
        raise CliError(f"{url} did not answer with JSON: {error}") from error


def revision_matches(reported: object, wanted: str) -> bool:
    """Equal, or `wanted` is an abbreviation (7+ characters) of the reported commit."""
    return isinstance(reported, str) and (
        reported == wanted or (len(wanted) >= 7 and reported.startswith(wanted))
    )


def served_revision(base_url: str) -> object:
    """The git revision one answer of `base_url`/model reports; CliError when there is no answer."""
    return request_json(f"{base_url.rstrip('/')}/model").get("git_revision")


def serving(base_url: str, revision: str, samples: int) -> tuple[bool, object]:
    """Whether `samples` answers in a row report `revision`, and the first answer that did not.

    Several answers, because during a rollout the Service spreads requests over old and new pods:
    one answer from a canary at 10% weight must not count as the new revision being served.
    """
    for _ in range(samples):
        try:
            seen = served_revision(base_url)
        except CliError as error:
            return False, f"no answer ({error})"
        if not revision_matches(seen, revision):
            return False, seen
    return True, revision


def wait_for_revision(
    base_url: str,
    revision: str,
    timeout_s: float,
    samples: int = DEFAULT_SAMPLES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll `/model` until it serves `revision`, backing off exponentially, for at most `timeout_s`."""
    deadline = clock() + timeout_s
    backoff = FIRST_BACKOFF_S
    while True:
        served, seen = serving(base_url, revision, samples)
        if served:
            return
        remaining = deadline - clock()
        if remaining <= 0:
            raise CliError(
                f"{base_url} still serves {seen} after {timeout_s:g}s; expected revision {revision}"
            )
        sleep(min(backoff, remaining))
        backoff = min(backoff * 2, MAX_BACKOFF_S)


def typical_row(model: dict[str, Any]) -> dict[str, float | str | None]:
    """One plausible input: every number at its training mean (integers rounded), every category at
    its most frequent value."""
    row: dict[str, float | str | None] = {}
    for feature in model["features"]:
        mean = float(feature["summary"]["mean"])
        row[feature["name"]] = float(round(mean)) if feature["dtype"] == "integer" else mean
    for feature in model.get("categorical", []):
        shares = feature["shares"]
        row[feature["name"]] = feature["categories"][shares.index(max(shares))] if shares else None
    return row


def smoke(base_url: str) -> dict[str, Any]:
    """Check readiness, then predict one typical row; return the prediction."""
    base = base_url.rstrip("/")
    fetch(f"{base}/readyz")
    model = request_json(f"{base}/model")
    try:
        row = typical_row(model)
    except (KeyError, TypeError, ValueError) as error:
        raise CliError(f"{base}/model does not describe the features: {error}") from error
    prediction = request_json(f"{base}/predict", row)
    if not isinstance(prediction, dict) or not prediction:
        raise CliError(f"{base}/predict answered {prediction!r}; expected a JSON object")
    return prediction
