"""Every answer in one shape: JSON replies, OIP replies with binary tensors after their JSON header, and
errors as {"error": ...}, with the same bytes and headers in the fast lane and through Starlette."""

from {{ cookiecutter.package }}.serving.http.responses import (
    Reply,
    error_reply,
    json_reply,
    reply_headers,
    respond,
)


def test_a_json_reply_and_its_headers() -> None:
    reply = json_reply({"value": 1.5})
    assert reply == Reply(b'{"value":1.5}')
    assert reply_headers(reply) == [(b"content-type", b"application/json"), (b"content-length", b"13")]


def test_an_error_is_an_object_with_one_message() -> None:
    assert error_reply("no") == Reply(b'{"error":"no"}')


def test_a_binary_reply_names_the_length_of_its_json_header() -> None:
    reply = Reply(b'{"outputs":[]}' + b"\x00\x01", 14)
    headers = dict(reply_headers(reply))
    assert headers[b"content-type"] == b"application/octet-stream"
    assert headers[b"inference-header-content-length"] == b"14"
    assert headers[b"content-length"] == b"16"


def test_both_lanes_send_the_same_bytes_and_headers() -> None:
    reply = json_reply({"ready": False})
    response = respond(reply, 503, {"retry-after": "1"})
    assert (response.status_code, response.body) == (503, reply[0])
    assert set(reply_headers(reply)) <= set(response.raw_headers)
    assert response.headers["retry-after"] == "1"


def test_a_reply_s_own_headers_go_out_in_both_lanes() -> None:
    reply = json_reply({"value": 1.5}, ((b"x-prediction-id", b"abc"),))
    assert (b"x-prediction-id", b"abc") in reply_headers(reply)
    assert respond(reply).headers["x-prediction-id"] == "abc"
