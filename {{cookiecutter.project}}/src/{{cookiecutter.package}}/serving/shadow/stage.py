"""Each inference answer of this pod re-asked of the stable model in the background, and the two compared,
so that a canary shows how often it agrees with production, row by row, before any traffic moves to it.

Bounded whatever the traffic: at most `shadow_max_in_flight` re-asks per worker (more are dropped and
counted as `busy`), each within `shadow_timeout_s`, none delaying or failing the client's answer. A
stable that errs or is slow is a skip with its reason, never a disagreement. The stable's model is read
from its /model and trusted for `shadow_model_ttl_s`: the same model (this pod is a stable one, or no
rollout runs) is a skip, `same_model`; another task or class set makes comparing impossible, which
`model_shadow_comparable` 0 says and one log line explains. A /model that is no model document is the
stable's error, never a reason to skip the stage; a failed read is remembered for a second.

Nothing a client sends can make a re-ask fail loudly: the path is the route's own (never the client's
spelling of it), headers that are not printable ASCII are not forwarded, the stable's answers are read
unencoded and up to a cap, and whatever else goes wrong is a `stable_error` skip. Each re-ask carries
`X-Shadow-Reask`, and a request that carries it is never re-asked, so a stable URL that leads back to
a canary cannot loop.
"""

import asyncio
import logging
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from ...labels import LabelTable
from ...manifest import ModelManifest
from ..http.responses import JSON, Reply
from ..monitoring.logs import request_id
from ..settings import ServerSettings
from . import REASK
from .answers import agree, by_class, incomparable, read_answer, read_model
from .metrics import ShadowMetrics

log = logging.getLogger(__name__)

# The headers that say how to read a body; the stable is asked with the body as it came.
FORWARDED = ("content-type", "inference-header-content-length")
# What every request to the stable carries: the re-ask mark, and a refusal of compressed answers.
STABLE_HEADERS = {REASK: "1", "accept-encoding": "identity"}
# The stable serves another model version: OIP's versioned path would be a 404 there.
VERSION = "/versions/{version}"
PARAMETER = re.compile(r"\{(\w+)\}")
# The most of the stable's /model read, and the least of an answer (which may be twice this pod's).
MODEL_BYTES = 64 * 1024
# How long a failed /model read is remembered before the next sampled request tries again.
RETRY_S = 1.0


class StableError(Exception):
    """An answer of the stable this pod will not read: encoded, too large, or not a model document."""


@dataclass(frozen=True)
class StableModel:
    skip: str | None  # why requests are not compared while this is known, or None
    problem: str | None  # what makes the models incomparable, for the log
    read_at: float
    ttl: float
    classes: LabelTable | None = None  # the stable's, once its answers compare with this pod's


def reask_path(route: str, params: Mapping[str, str]) -> str:
    """The route's path with the request's parameters quoted into it, unversioned."""
    return PARAMETER.sub(lambda name: quote(params[name[1]], safe=""), route.replace(VERSION, ""))


def _sendable(value: str) -> bool:
    return value.isascii() and value.isprintable()


def outgoing(headers: Mapping[str, str]) -> dict[str, str] | None:
    """The re-ask's headers, or None when one that says how to read the body cannot be sent as it came."""
    sent = dict(STABLE_HEADERS)
    for name in FORWARDED:
        if name in headers:
            if not _sendable(headers[name]):
                return None
            sent[name] = headers[name]
    # The id joins the two pods' log lines; one that cannot be sent is left out, not the re-ask.
    if _sendable(request_id.get()):
        sent["x-request-id"] = request_id.get()
    return sent


class Shadow:
    def __init__(
        self,
        settings: ServerSettings,
        manifest: ModelManifest,
        metrics: ShadowMetrics,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = str(settings.shadow_stable_url).rstrip("/")
        self.settings = settings
        self.manifest = manifest
        self.classes = LabelTable(manifest.classes or [])
        self.metrics = metrics
        self.transport = transport
        self.client: httpx.AsyncClient | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.stable: StableModel | None = None
        self.reading = asyncio.Lock()
        self.random = random.Random()  # noqa: S311 - a sample, not a secret
        self.told = False  # whether an unexpected failure was logged

    def observe(
        self, route: str, params: Mapping[str, str], body: bytes, headers: Mapping[str, str], reply: Reply
    ) -> None:
        """Called with each inference request answered 200: re-ask it in the background, or count why not."""
        if REASK in headers or self.random.random() >= self.settings.shadow_sample:
            return
        known = self.stable
        if known is not None and known.skip is not None and not self._stale(known):
            self.metrics.skipped[known.skip].inc()
            return
        if len(self.tasks) >= self.settings.shadow_max_in_flight:
            self.metrics.skipped["busy"].inc()
            return
        path = reask_path(route, params)
        task = asyncio.get_running_loop().create_task(self._compare(path, body, headers, reply))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.client is not None:
            await self.client.aclose()

    async def _compare(self, path: str, body: bytes, headers: Mapping[str, str], reply: Reply) -> None:
        try:
            async with asyncio.timeout(self.settings.shadow_timeout_s):
                reason = await self._skip_reason() or await self._reask(path, body, headers, reply)
        except (TimeoutError, httpx.TimeoutException):
            reason = "stable_timeout"
        except (httpx.HTTPError, StableError):
            reason = "stable_error"
        except Exception:
            # httpx raises more than HTTPError for a request it cannot make; no re-ask may fail loudly.
            if not self.told:
                self.told = True
                log.debug("a re-ask failed unexpectedly (logged once)", exc_info=True)
            reason = "stable_error"
        if reason is not None:
            self.metrics.skipped[reason].inc()

    async def _reask(self, path: str, body: bytes, headers: Mapping[str, str], reply: Reply) -> str | None:
        """Ask the stable the same request under the same id, and count its rows that agree; else why not."""
        own = read_answer(reply[0], JSON if reply[1] is None else None)
        if own is None:
            return "unreadable"
        sent = outgoing(headers)
        if sent is None:
            return "unsendable"
        cap = 2 * len(reply[0]) + MODEL_BYTES
        status, kind, content = await self._fetch("POST", self.url + path, cap, content=body, headers=sent)
        if status != 200:
            return "stable_error"
        theirs = read_answer(content, kind)
        stable = self.stable
        if theirs is None or stable is None or stable.classes is None:
            return "unreadable"
        own, theirs = by_class(own, self.classes), by_class(theirs, stable.classes)
        if own is None or theirs is None:
            return "unreadable"
        agreed = agree(own, theirs, self.manifest.shadow.tolerance)
        if agreed is None:
            return "unreadable"
        self.metrics.comparisons.inc(len(own[1]))
        self.metrics.agreements.inc(agreed)
        if agreed < len(own[1]):
            log.debug("the stable model answered otherwise", extra={"path": path})
        return None

    async def _fetch(self, method: str, url: str, cap: int, **request: Any) -> tuple[int, str | None, bytes]:
        """Status, content type and body of the stable's answer, read unencoded and up to `cap` bytes."""
        request.setdefault("headers", STABLE_HEADERS)
        async with self._client().stream(method, url, **request) as response:
            if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
                raise StableError("an encoded answer")
            chunks, size = [], 0
            # Every encoding but identity is refused above: these are the bytes as sent.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise StableError(f"an answer over {cap} bytes")
                chunks.append(chunk)
            return response.status_code, response.headers.get("content-type"), b"".join(chunks)

    async def _skip_reason(self) -> str | None:
        """Why no request is compared now, from the stable's /model, read again once it is stale."""
        async with self.reading:
            known = self.stable
            if known is None or self._stale(known):
                known = self.stable = await self._read_stable(known)
            return known.skip

    async def _read_stable(self, known: StableModel | None) -> StableModel:
        try:
            status, _, content = await self._fetch("GET", f"{self.url}/model", MODEL_BYTES)
            document = read_model(content) if status == 200 else None
            if document is None:
                raise StableError("the stable's /model is no model document")
        except (httpx.HTTPError, StableError) as error:
            reason = "stable_timeout" if isinstance(error, httpx.TimeoutException) else "stable_error"
            return StableModel(reason, None, time.monotonic(), RETRY_S)
        now, ttl = time.monotonic(), self.settings.shadow_model_ttl_s
        if document.sha256 is not None and document.sha256 == (
            self.manifest.onnx.sha256 if self.manifest.onnx else None
        ):
            return StableModel("same_model", None, now, ttl)
        classes = LabelTable(document.classes or [])
        problem = incomparable(self.manifest, self.classes, document, classes)
        self.metrics.comparable.set(0 if problem else 1)
        if problem is not None and (known is None or known.problem != problem):
            log.warning("shadow stage skipped: %s", problem)
        if problem is not None:
            return StableModel("incomparable", problem, now, ttl)
        return StableModel(None, None, now, ttl, classes)

    def _stale(self, known: StableModel) -> bool:
        return time.monotonic() - known.read_at > known.ttl

    def _client(self) -> httpx.AsyncClient:
        """Made in the worker's event loop, at the first re-ask."""
        if self.client is None:
            slots = self.settings.shadow_max_in_flight
            self.client = httpx.AsyncClient(
                timeout=self.settings.shadow_timeout_s,
                limits=httpx.Limits(max_connections=slots, max_keepalive_connections=slots),
                # The stable is a Service in the cluster: never reached through a proxy from the environment.
                trust_env=False,
                transport=self.transport,
            )
        return self.client
