"""Prediction ids: what is signed comes back exactly, and any other string is refused with its reason."""

import base64
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package }}.outcomes.ids import (
    TOKEN_LENGTH,
    IdKeys,
    IdRejected,
    Kind,
    PredictionId,
    SigningKey,
    require_version,
)

NOW = 1_800_000_000
VERSION = "0123456789ab"
KEYS = IdKeys(SigningKey(7, bytes(range(32))))

versions = st.text("0123456789abcdef", min_size=12, max_size=12)
class_indices = st.integers(0, 2**64 - 1)
values = st.floats(allow_nan=False)


def flip(token: str, position: int, bit: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[position] ^= 1 << bit
    return base64.urlsafe_b64encode(bytes(raw)).decode()


def reason(keys: IdKeys, token: object, now: float = NOW) -> str:
    with pytest.raises(IdRejected) as refused:
        keys.verify(token, now=now)
    return refused.value.reason


@settings(max_examples=200, deadline=None)
@given(version=versions, index=class_indices, issued=st.integers(NOW - 86400, NOW))
def test_a_class_id_round_trips(version: str, index: int, issued: int) -> None:
    token = KEYS.sign(version, Kind.CLASS, issued, index)
    assert len(token) == TOKEN_LENGTH
    pid = KEYS.verify(token, now=NOW)
    assert (pid.version, pid.kind, pid.issued_at, pid.value) == (version, Kind.CLASS, issued, index)


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_a_value_id_carries_the_exact_float_returned(value: float) -> None:
    pid = KEYS.verify(KEYS.sign(VERSION, Kind.VALUE, NOW, value), now=NOW)
    assert pid.value == value
    assert math.copysign(1, pid.value) == math.copysign(1, value)


def test_ids_of_the_same_prediction_differ_by_their_nonce() -> None:
    first, second = (KEYS.verify(KEYS.sign(VERSION, Kind.CLASS, NOW, 1), now=NOW) for _ in range(2))
    assert first.nonce != second.nonce


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, 41), bit=st.integers(0, 7))
def test_any_flipped_bit_is_refused(position: int, bit: int) -> None:
    """Every bit is covered by the tag, the tag's own bits included; a flip in the format or key id byte
    is refused before the tag is checked."""
    token = flip(KEYS.sign(VERSION, Kind.CLASS, NOW, 2), position, bit)
    assert reason(KEYS, token) in {"bad_signature", "malformed", "unknown_key"}


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(0, TOKEN_LENGTH - 1), extra=st.text("A-_9", min_size=1, max_size=8))
def test_a_truncated_or_extended_id_is_malformed(cut: int, extra: str) -> None:
    token = KEYS.sign(VERSION, Kind.CLASS, NOW, 2)
    assert reason(KEYS, token[:cut]) == "malformed"
    assert reason(KEYS, token + extra) == "malformed"


@settings(max_examples=200, deadline=None)
@given(junk=st.one_of(st.text(max_size=80), st.binary(max_size=60), st.integers(), st.none()))
def test_junk_is_malformed_never_an_error(junk: object) -> None:
    assert reason(KEYS, junk) in {"malformed", "unknown_key", "bad_signature"}


def test_characters_outside_base64url_are_refused_not_skipped() -> None:
    """The standard decoder would drop '!' and '=' silently and decode what is left."""
    token = KEYS.sign(VERSION, Kind.CLASS, NOW, 2)
    assert reason(KEYS, token[:-2] + "!=") == "malformed"
    assert reason(KEYS, token[:-1] + "+") == "malformed"


def test_an_id_signed_with_another_secret_is_a_forgery() -> None:
    forger = IdKeys(SigningKey(7, b"x" * 32))
    assert reason(KEYS, forger.sign(VERSION, Kind.CLASS, NOW, 1)) == "bad_signature"


def test_the_previous_key_verifies_during_a_rotation_and_not_after() -> None:
    old = IdKeys(SigningKey(1, b"o" * 32))
    token = old.sign(VERSION, Kind.CLASS, NOW, 1)
    rotated = IdKeys(SigningKey(2, b"n" * 32), previous=SigningKey(1, b"o" * 32))
    assert rotated.verify(token, now=NOW).value == 1
    assert reason(IdKeys(SigningKey(2, b"n" * 32)), token) == "unknown_key"


def test_ids_are_refused_once_older_than_the_maximum_age_or_from_the_future() -> None:
    keys = IdKeys(SigningKey(0, b"k" * 32), max_age=3600, clock_skew=60)
    assert keys.verify(keys.sign(VERSION, Kind.CLASS, NOW - 3600, 0), now=NOW).issued_at == NOW - 3600
    assert reason(keys, keys.sign(VERSION, Kind.CLASS, NOW - 3601, 0)) == "expired"
    assert reason(keys, keys.sign(VERSION, Kind.CLASS, NOW + 61, 0)) == "future"


def test_a_kind_from_a_newer_release_is_malformed_not_an_error() -> None:
    token = KEYS.sign(VERSION, Kind.CLASS, NOW, 0)
    raw = bytearray(base64.urlsafe_b64decode(token))[:26]
    raw[2] = 9
    key = KEYS.current
    forged = base64.urlsafe_b64encode(bytes(raw) + key.tag(bytes(raw))).decode()
    assert reason(KEYS, forged) == "malformed"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SigningKey(0, b"short"), "at least 32 bytes"),
        (lambda: SigningKey(256, b"k" * 32), "0 to 255"),
        (lambda: SigningKey.from_base64("not base64!", 0), "base64"),
        (lambda: IdKeys(SigningKey(3, b"a" * 32), previous=SigningKey(3, b"b" * 32)), "another key id"),
        (lambda: require_version("0123456789AB"), "12 lower-case hex"),
    ],
)
def test_bad_keys_and_versions_are_refused_with_the_reason(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_a_generated_key_signs_and_verifies() -> None:
    keys = IdKeys(SigningKey.generate(key_id=5))
    pid = keys.verify(keys.sign(VERSION, Kind.VALUE, NOW, 1.5), now=NOW)
    assert pid == PredictionId(VERSION, Kind.VALUE, NOW, pid.nonce, 1.5)
