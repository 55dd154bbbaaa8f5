"""Load shedding, whole: which requests are shed, their 503, and the counter that keeps them apart.

A POST whose body has arrived takes a slot of the worker (admission.py); past the limit the connection
layer marks it instead, and the fast lane answers it with 503 and Retry-After before any work. A shed
request is counted in http_requests_shed_total and left out of http_requests_total: a flood that
overloads the server is not a fault of the model, and must not fail a canary's success ratio or fire
the server-error alert. GET requests (probes, metrics) are never shed.
"""

from typing import Any

from prometheus_client import CollectorRegistry, Counter
from starlette.types import Scope, Send

from .admission import Admission, Slot
from .responses import error_reply, reply_headers

# Scope keys: OVERLOADED marks a request to shed; ADMITTED holds the slot of one being served.
OVERLOADED = "overloaded"
ADMITTED = "admitted"
# Clients that honour Retry-After come back after a second, when the backlog has drained.
RETRY_AFTER_S = 1


def admit(cycle: Any, admission: Admission, owner: set[Slot]) -> None:
    """A slot for a POST being served whose body has arrived, or the mark to shed it; once a request.

    `cycle` is uvicorn's request-response cycle, `owner` the slots of its connection."""
    scope = cycle.scope
    if scope["method"] != "POST" or cycle.more_body or cycle.response_complete or cycle.disconnected:
        return
    if ADMITTED not in scope and OVERLOADED not in scope:
        slot = admission.take(owner)
        scope[ADMITTED if slot is not None else OVERLOADED] = slot or True


def was_shed(scope: Scope, status: int) -> bool:
    """Whether the request was answered by shedding it: it is then left out of http_requests_total."""
    return status == 503 and OVERLOADED in scope


class Shedder:
    """Answers the requests marked to shed, and counts them by route template."""

    def __init__(self, registry: CollectorRegistry, max_concurrency: int, routes: list[str]) -> None:
        counter = Counter(
            "http_requests_shed",
            "Requests refused with 503 and Retry-After at the concurrency limit, by route template",
            ["route"],
            registry=registry,
        )
        # Each route's series exists from the start, at zero, so that a rate over it sees the first shed.
        self.counters = {route: counter.labels(route) for route in routes}
        message = f"server at capacity ({max_concurrency} requests in progress); retry in {RETRY_AFTER_S}s"
        self.reply = error_reply(message)
        self.headers = [*reply_headers(self.reply), (b"retry-after", str(RETRY_AFTER_S).encode())]

    async def shed(self, route: str, send: Send) -> None:
        """503 with Retry-After, before any work, counted under the route template."""
        self.counters[route].inc()
        await send({"type": "http.response.start", "status": 503, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.reply[0]})
