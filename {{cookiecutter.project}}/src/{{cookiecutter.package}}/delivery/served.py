"""Ask a running service what it serves, and wait until it serves the delivery just made."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import Failure

REQUEST_TIMEOUT_S = 10.0
FIRST_BACKOFF_S = 2.0
MAX_BACKOFF_S = 30.0
DEFAULT_SAMPLES = 20


def fetch(url: str, body: object | None = None, headers: dict[str, str] | None = None) -> bytes:
    """GET `url` (or POST `body` as JSON) and return the body of a 2xx answer; anything else is a Failure."""
    if not url.startswith(("http://", "https://")):
        raise Failure(f"{url} is not an http(s) URL")
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    # The scheme is checked above, so no file: or custom-scheme URL gets here.
    request = urllib.request.Request(url, data=data, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:  # noqa: S310
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        raise Failure(f"{url} answered {error.code}: {error.read()[:300]!r}") from error
    except OSError as error:
        raise Failure(f"{url} did not answer: {error}") from error


def request_json(url: str, body: object | None = None, headers: dict[str, str] | None = None) -> Any:
    try:
        return json.loads(fetch(url, body, headers))
    except ValueError as error:
        raise Failure(f"{url} did not answer with JSON: {error}") from error


def revision_matches(reported: object, wanted: str) -> bool:
    """Equal, or `wanted` is an abbreviation (7+ characters) of the reported commit."""
    return isinstance(reported, str) and (
        reported == wanted or (len(wanted) >= 7 and reported.startswith(wanted))
    )


@dataclass(frozen=True)
class Served:
    """What one answer of /model says a pod runs: commit, image digest and the model's sha256."""

    revision: object
    digest: object = None
    model_sha256: object = None

    def short(self) -> str:
        return f"{str(self.revision)[:12]} ({str(self.digest)[7:19] or 'no digest'})"


@dataclass(frozen=True)
class Wanted:
    """The delivery a watch waits for. The commit alone cannot tell a rebuild of the same commit from
    the pods it replaces; the image digest and the model's sha256 can, and are checked when given."""

    revision: str
    digest: str | None = None
    model_sha256: str | None = None

    def matches(self, served: Served) -> bool:
        return (
            revision_matches(served.revision, self.revision)
            and self.digest in (None, served.digest)
            and self.model_sha256 in (None, served.model_sha256)
        )


def served_identity(base_url: str) -> Served:
    """What one answer of `base_url`/model reports; Failure when there is no answer."""
    return identity_of(base_url, request_json(f"{base_url.rstrip('/')}/model"))


def identity_of(base_url: str, document: object) -> Served:
    """What a /model document of `base_url` says the answering pod runs."""
    if not isinstance(document, dict):
        raise Failure(f"{base_url}/model answered {document!r}; expected a JSON object")
    onnx = document.get("onnx")
    return Served(
        document.get("git_revision"),
        document.get("image_digest"),
        onnx.get("sha256") if isinstance(onnx, dict) else None,
    )


def answers_match(base_url: str, wanted: Wanted, samples: int) -> tuple[bool, object]:
    """Whether `samples` answers in a row report `wanted`, and the first answer that did not.

    Several answers, because during a rollout the Service spreads requests over old and new pods:
    one answer from a canary at 10% weight must not count as the new revision being served.
    """
    for _ in range(samples):
        try:
            seen = served_identity(base_url)
        except Failure as error:
            return False, f"no answer ({error})"
        if not wanted.matches(seen):
            return False, seen.short()
    return True, wanted.revision


def wait_for_revision(
    base_url: str,
    wanted: Wanted,
    timeout_s: float,
    samples: int = DEFAULT_SAMPLES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll `/model` until it serves `wanted`, backing off exponentially, for at most `timeout_s`."""
    deadline = clock() + timeout_s
    backoff = FIRST_BACKOFF_S
    while True:
        served, seen = answers_match(base_url, wanted, samples)
        if served:
            return
        remaining = deadline - clock()
        if remaining <= 0:
            raise Failure(
                f"{base_url} still serves {seen} after {timeout_s:g}s; expected revision {wanted.revision}"
                + (f" with image {wanted.digest}" if wanted.digest else "")
            )
        sleep(min(backoff, remaining))
        backoff = min(backoff * 2, MAX_BACKOFF_S)
