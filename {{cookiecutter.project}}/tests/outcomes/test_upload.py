"""Posting outcomes: a batch a request, the server's answers tallied, a busy server asked again, a
broken one reported."""

import json
from collections.abc import Callable

import httpx
import pytest

from {{ cookiecutter.package }}.outcomes import upload as uploading
from {{ cookiecutter.package }}.outcomes.files import Row
from {{ cookiecutter.package }}.outcomes.upload import ServerFailed, Summary, upload

ID = "A" * 56
Answer = Callable[[list[dict[str, object]]], httpx.Response]


def client(answer: Answer, sent: list[int]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        outcomes = json.loads(request.content)["outcomes"]
        sent.append(len(outcomes))
        return answer(outcomes)

    return httpx.Client(base_url="http://server", transport=httpx.MockTransport(handle))


def rows(count: int, empty: int = 0) -> list[Row]:
    return [(number, {"prediction_id": ID, "label": "1"}) for number in range(count)] + [
        (count, None)
    ] * empty


def refuse_odd(outcomes: list[dict[str, object]]) -> httpx.Response:
    results = [
        {"status": "refused", "reason": "expired", "detail": "old"} if index % 2 else {"status": "accepted"}
        for index in range(len(outcomes))
    ]
    return httpx.Response(422 if len(outcomes) > 1 else 200, json={"results": results})


def test_each_batch_is_one_request_and_every_answer_is_tallied() -> None:
    sent: list[int] = []
    summary = Summary()
    upload([rows(3, empty=2), rows(1)], client(refuse_odd, sent), summary)
    assert sent == [3, 1]
    assert (summary.accepted, summary.refused, summary.skipped) == (3, {"expired": 1}, 2)
    assert summary.shown == ["row 1: expired: old"]
    assert summary.line() == "outcomes: 3 accepted, 1 refused (expired 1), 2 skipped (no outcome)"


def test_a_busy_server_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploading, "RETRY_WAITS", (0.0, 0.0))
    answers = iter([httpx.Response(503, json={"error": "busy"}), None])
    sent: list[int] = []

    def answer(outcomes: list[dict[str, object]]) -> httpx.Response:
        return next(answers) or refuse_odd(outcomes)

    summary = Summary()
    upload([rows(1)], client(answer, sent), summary)
    assert sent == [1, 1]
    assert summary.accepted == 1


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="oops"),
        httpx.Response(413, json={"error": "too large"}),
        httpx.Response(200, json={"results": []}),
        httpx.Response(200, text="not json"),
        httpx.Response(503, json={"error": "still busy"}),
    ],
)
def test_an_answer_without_results_stops_the_upload(
    monkeypatch: pytest.MonkeyPatch, response: httpx.Response
) -> None:
    monkeypatch.setattr(uploading, "RETRY_WAITS", (0.0,))
    sent: list[int] = []
    with pytest.raises(ServerFailed, match=f"answered {response.status_code}"):
        upload([rows(2), rows(2)], client(lambda _: response, sent), Summary())
    assert len(sent) == (2 if response.status_code == 503 else 1)


def test_an_unreachable_server_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploading, "RETRY_WAITS", (0.0,))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    unreachable = httpx.Client(base_url="http://server", transport=httpx.MockTransport(refuse))
    with pytest.raises(ServerFailed, match="could not reach http://server"):
        upload([rows(1)], unreachable, Summary())
