"""Load shedding in one place: a POST whose body has arrived takes a slot or, past the limit, is marked;
a marked request gets a 503 with Retry-After, counted apart from the other answers."""

import asyncio
from types import SimpleNamespace
from typing import Any

from prometheus_client import CollectorRegistry

from {{ cookiecutter.package }}.serving.http.admission import Admission, Slot
from {{ cookiecutter.package }}.serving.http.shedding import (
    ADMITTED,
    OVERLOADED,
    RETRY_AFTER_S,
    Shedder,
    admit,
    was_shed,
)


def cycle(method: str = "POST", **state: bool) -> Any:
    """uvicorn's request-response cycle, as far as shedding reads it."""
    flags = {"more_body": False, "response_complete": False, "disconnected": False, **state}
    return SimpleNamespace(scope={"method": method}, **flags)


def test_a_post_past_the_limit_is_marked_to_shed() -> None:
    admission, owner = Admission(limit=1), set[Slot]()
    first, second = cycle(), cycle()
    admit(first, admission, owner)
    admit(second, admission, owner)
    assert isinstance(first.scope[ADMITTED], Slot)
    assert OVERLOADED in second.scope
    assert ADMITTED not in second.scope
    assert admission.held == 1


def test_a_request_is_admitted_once_and_only_a_post_whose_body_arrived() -> None:
    admission, owner = Admission(limit=10), set[Slot]()
    served = cycle()
    admit(served, admission, owner)
    admit(served, admission, owner)
    for other in (
        cycle("GET"),
        cycle(more_body=True),
        cycle(response_complete=True),
        cycle(disconnected=True),
    ):
        admit(other, admission, owner)
        assert other.scope == {"method": other.scope["method"]}
    assert admission.held == 1


def test_only_a_shed_answer_is_left_out_of_the_request_counts() -> None:
    assert was_shed({OVERLOADED: True}, 503)
    assert not was_shed({OVERLOADED: True}, 200), "answered before it was marked"
    assert not was_shed({}, 503), "a 503 of another cause is counted"


def test_a_shed_request_gets_a_503_with_retry_after_and_is_counted_by_route() -> None:
    registry = CollectorRegistry()
    shedder = Shedder(registry, max_concurrency=3, routes=["/predict"])
    assert registry.get_sample_value("http_requests_shed_total", {"route": "/predict"}) == 0.0
    messages: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        messages.append(message)

    asyncio.run(shedder.shed("/predict", send))
    start, body = messages
    assert start["status"] == 503
    assert (b"retry-after", str(RETRY_AFTER_S).encode()) in start["headers"]
    assert body["body"] == b'{"error":"server at capacity (3 requests in progress); retry in 1s"}'
    assert registry.get_sample_value("http_requests_shed_total", {"route": "/predict"}) == 1.0
