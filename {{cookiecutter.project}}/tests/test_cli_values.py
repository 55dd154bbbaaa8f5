"""The numbers a command line takes: whole numbers and seconds in ASCII digits, finite and in range."""

import argparse
import re

import pytest

from {{ cookiecutter.package }}.cli_values import http_url, seconds, whole


def test_whole_numbers_in_range_are_read() -> None:
    assert whole(0)("0") == 0
    assert whole(1, 65535)("65535") == 65535


@pytest.mark.parametrize("text", ["", "-1", "+1", "1.0", "1e3", " 1", "\u0661", "\uff11", "65536", "0"])
def test_whole_refuses_what_is_not_a_whole_number_in_range(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a whole number from 1 to 65535"):
        whole(1, 65535)(text)


def test_seconds_are_read_with_or_without_a_fraction() -> None:
    assert [seconds(text) for text in ("0", "30", "0.5", ".5", "2.")] == [0.0, 30.0, 0.5, 0.5, 2.0]


@pytest.mark.parametrize("text", ["", "nan", "inf", "-1", "1e3", "1_000", "\u0661", " 1"])
def test_seconds_refuse_what_no_clock_can_wait(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected seconds, 0 or more"):
        seconds(text)


def test_http_urls_with_a_host_are_taken_as_written() -> None:
    for url in ("http://127.0.0.1:8080", "https://ml.example.com/", "http://[::1]:80"):
        assert http_url(url) == url


@pytest.mark.parametrize(
    "text", ["http://[::1", "http://host:99999", "ftp://host", "host:8080", "http://", ""]
)
def test_http_url_refuses_what_no_client_can_open(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(repr(text))):
        http_url(text)
