"""The connection's stateless pieces: the body length a head declares, whether it carries a body, the
parser's reasons in words, and a refusal as a whole response that closes the connection."""

import json

import httptools
import pytest

from {{ cookiecutter.package }}.serving.http.transport import (
    Limits,
    content_length,
    describe,
    has_body,
    limits_of,
    refusal_response,
)
from {{ cookiecutter.package }}.serving.settings import ServerSettings


def test_the_limits_come_from_the_settings() -> None:
    settings = ServerSettings(workers=1, max_headers=7, max_header_bytes=2048, header_timeout_s=3.5)
    assert limits_of(settings) == Limits(7, 2048, 3.5)


def test_the_declared_length_and_whether_a_body_follows() -> None:
    assert content_length([(b"content-length", b"12")]) == 12
    assert content_length([(b"content-length", b"twelve")]) == 0, "the parser refuses it itself"
    assert content_length([]) == 0
    assert has_body([(b"content-length", b"1")])
    assert has_body([(b"transfer-encoding", b"chunked")])
    assert not has_body([(b"content-length", b"0")])
    assert not has_body([(b"host", b"x")])


def test_a_refusal_is_a_whole_response_that_closes_the_connection() -> None:
    response = refusal_response(431, "too many headers")
    head, body = response.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert b"connection: close" in lines
    assert f"content-length: {len(body)}".encode() in lines
    assert json.loads(body) == {"error": "too many headers"}


def test_parser_errors_are_described_without_library_internals() -> None:
    parser = httptools.HttpRequestParser(object())
    with pytest.raises(httptools.HttpParserError) as refused:
        parser.feed_data(b"NOT HTTP\r\n\r\n")
    assert describe(refused.value).startswith("malformed HTTP request: ")
