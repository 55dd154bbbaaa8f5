"""Each inference answer of this pod re-asked of the stable model in the background, and the two compared,
so that a canary shows how often it agrees with production before any traffic moves to it.

Bounded whatever the traffic: at most `shadow_max_in_flight` re-asks per worker (more are dropped and
counted as `busy`), each within `shadow_timeout_s`, none delaying or failing the client's answer. A
stable that errs or is slow is a skip with its reason, never a disagreement. The stable's model is read
from its /model and trusted for `shadow_model_ttl_s`: the same model (this pod is a stable one, or no
rollout runs) is a skip, `same_model`; another task or other classes make comparing impossible, which
`model_shadow_comparable` 0 says and one log line explains.
"""

import asyncio
import logging
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import orjson

from ...manifest import ModelManifest
from ..http.responses import JSON, Reply
from ..monitoring.logs import request_id
from ..settings import ServerSettings
from .answers import agree, incomparable, model_sha, read_answer
from .metrics import ShadowMetrics

log = logging.getLogger(__name__)

# The headers that say how to read a body; the stable is asked with the body as it came.
FORWARDED = ("content-type", "inference-header-content-length")
# The stable serves another model version: OIP's versioned path would be a 404 there.
VERSION = re.compile(r"/versions/[^/]+(?=/infer$)")


@dataclass(frozen=True)
class StableModel:
    skip: str | None  # why requests are not compared while this is known, or None
    problem: str | None  # what makes the models incomparable, for the log
    read_at: float


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
        self.metrics = metrics
        self.transport = transport
        self.client: httpx.AsyncClient | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.stable: StableModel | None = None
        self.reading = asyncio.Lock()
        self.random = random.Random()  # noqa: S311 - a sample, not a secret

    def observe(self, path: str, body: bytes, headers: Mapping[str, str], reply: Reply) -> None:
        """Called with each inference request answered 200: re-ask it in the background, or count why not."""
        if self.random.random() >= self.settings.shadow_sample:
            return
        known = self.stable
        if known is not None and known.skip is not None and not self._stale(known):
            self.metrics.skipped[known.skip].inc()
            return
        if len(self.tasks) >= self.settings.shadow_max_in_flight:
            self.metrics.skipped["busy"].inc()
            return
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
        except (httpx.HTTPError, orjson.JSONDecodeError):
            reason = "stable_error"
        if reason is not None:
            self.metrics.skipped[reason].inc()

    async def _reask(self, path: str, body: bytes, headers: Mapping[str, str], reply: Reply) -> str | None:
        """Ask the stable the same request under the same id, and count whether it agrees; else why not."""
        own = read_answer(reply[0], JSON if reply[1] is None else None)
        if own is None:
            return "unreadable"
        sent = {name: headers[name] for name in FORWARDED if name in headers}
        response = await self._client().post(
            self.url + VERSION.sub("", path), content=body, headers={**sent, "x-request-id": request_id.get()}
        )
        if response.status_code != 200:
            return "stable_error"
        theirs = read_answer(response.content, response.headers.get("content-type"))
        verdict = agree(own, theirs, self.manifest.shadow.tolerance) if theirs is not None else None
        if verdict is None:
            return "unreadable"
        self.metrics.comparisons.inc()
        if verdict:
            self.metrics.agreements.inc()
        else:
            log.debug("the stable model answered otherwise", extra={"path": path})
        return None

    async def _skip_reason(self) -> str | None:
        """Why no request is compared now, from the stable's /model, read again once it is stale."""
        async with self.reading:
            known = self.stable
            if known is None or self._stale(known):
                known = self.stable = await self._read_stable(known)
            return known.skip

    async def _read_stable(self, known: StableModel | None) -> StableModel:
        response = await self._client().get(f"{self.url}/model")
        response.raise_for_status()
        document = orjson.loads(response.content)
        now = time.monotonic()
        if model_sha(document) == (self.manifest.onnx.sha256 if self.manifest.onnx else None):
            return StableModel("same_model", None, now)
        problem = incomparable(self.manifest, document)
        self.metrics.comparable.set(0 if problem else 1)
        if problem is not None and (known is None or known.problem != problem):
            log.warning("shadow stage skipped: %s", problem)
        return StableModel("incomparable" if problem else None, problem, now)

    def _stale(self, known: StableModel) -> bool:
        return time.monotonic() - known.read_at > self.settings.shadow_model_ttl_s

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
