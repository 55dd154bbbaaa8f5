"""Prediction ids: what is signed comes back exactly, and any other string is refused with its reason."""

import base64
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package }}.labels import LabelTable
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
CLASSES = ["benign", "malignant", "unsure"]
class_lists = st.lists(st.text(max_size=8), min_size=1, max_size=5)
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
@given(version=versions, issued=st.integers(NOW - 86400, NOW), classes=class_lists, data=st.data())
def test_a_class_id_round_trips_with_the_name_of_its_class(
    version: str, issued: int, classes: list[str], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(classes) - 1))
    token = KEYS.sign(version, Kind.CLASS, issued, index, classes)
    assert len(token) == TOKEN_LENGTH
    pid = KEYS.verify(token, now=NOW)
    assert (pid.version, pid.kind, pid.issued_at, pid.label) == (
        version,
        Kind.CLASS,
        issued,
        LabelTable(classes).digests[index],
    )


def test_a_class_is_named_by_its_name_whatever_its_index() -> None:
    """The same class at another index (another version's order) is the same label; spellings differ."""
    first = KEYS.verify(KEYS.sign(VERSION, Kind.CLASS, NOW, 0, ["benign", "malignant"]), now=NOW)
    second = KEYS.verify(KEYS.sign(VERSION, Kind.CLASS, NOW, 1, ["malignant", "benign"]), now=NOW)
    assert first.label == second.label == LabelTable(["benign"]).digests[0]


def test_a_class_is_the_number_it_spells_unless_another_class_spells_it_too() -> None:
    """A retrain that read the target as doubles names the classes "0.0" and "1.0": the same two classes.
    One model that holds both "1" and "1.0" keeps them apart by their exact names."""
    integers, doubles = LabelTable(["0", "1"]), LabelTable(["1.0", "0.0"])
    assert integers.digests == doubles.digests[::-1]
    apart = LabelTable(["1", "1.0", " 1", "True", "true", ""])
    assert len(set(apart.digests)) == 6
    assert not set(apart.digests) & set(integers.digests)


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_a_value_id_carries_the_exact_float_returned(value: float) -> None:
    pid = KEYS.verify(KEYS.sign(VERSION, Kind.VALUE, NOW, value), now=NOW)
    assert pid.value == value
    assert math.copysign(1, pid.value) == math.copysign(1, value)


def test_ids_of_the_same_prediction_differ_by_their_nonce() -> None:
    first, second = (KEYS.verify(KEYS.sign(VERSION, Kind.CLASS, NOW, 1, CLASSES), now=NOW) for _ in range(2))
    assert first.nonce != second.nonce


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, 41), bit=st.integers(0, 7))
def test_any_flipped_bit_is_refused(position: int, bit: int) -> None:
    """Every bit is covered by the tag, the tag's own bits included; a flip in the format or key id byte
    is refused before the tag is checked."""
    token = flip(KEYS.sign(VERSION, Kind.CLASS, NOW, 2, CLASSES), position, bit)
    assert reason(KEYS, token) in {"bad_signature", "malformed", "unknown_key"}


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(0, TOKEN_LENGTH - 1), extra=st.text("A-_9", min_size=1, max_size=8))
def test_a_truncated_or_extended_id_is_malformed(cut: int, extra: str) -> None:
    token = KEYS.sign(VERSION, Kind.CLASS, NOW, 2, CLASSES)
    assert reason(KEYS, token[:cut]) == "malformed"
    assert reason(KEYS, token + extra) == "malformed"


@settings(max_examples=200, deadline=None)
@given(junk=st.one_of(st.text(max_size=80), st.binary(max_size=60), st.integers(), st.none()))
def test_junk_is_malformed_never_an_error(junk: object) -> None:
    assert reason(KEYS, junk) in {"malformed", "unknown_key", "bad_signature"}


def test_characters_outside_base64url_are_refused_not_skipped() -> None:
    """The standard decoder would drop '!' and '=' silently and decode what is left."""
    token = KEYS.sign(VERSION, Kind.CLASS, NOW, 2, CLASSES)
    assert reason(KEYS, token[:-2] + "!=") == "malformed"
    assert reason(KEYS, token[:-1] + "+") == "malformed"


def test_an_id_signed_with_another_secret_is_a_forgery() -> None:
    forger = IdKeys(SigningKey(7, b"x" * 32))
    assert reason(KEYS, forger.sign(VERSION, Kind.CLASS, NOW, 1, CLASSES)) == "bad_signature"


def test_the_previous_key_verifies_during_a_rotation_and_not_after() -> None:
    old = IdKeys(SigningKey(1, b"o" * 32))
    token = old.sign(VERSION, Kind.CLASS, NOW, 1, CLASSES)
    rotated = IdKeys(SigningKey(2, b"n" * 32), previous=SigningKey(1, b"o" * 32))
    assert rotated.verify(token, now=NOW).label == LabelTable(CLASSES).digests[1]
    assert reason(IdKeys(SigningKey(2, b"n" * 32)), token) == "unknown_key"


def test_ids_are_refused_once_older_than_the_maximum_age_or_from_the_future() -> None:
    keys = IdKeys(SigningKey(0, b"k" * 32), max_age=3600, clock_skew=60)
    assert (
        keys.verify(keys.sign(VERSION, Kind.CLASS, NOW - 3600, 0, CLASSES), now=NOW).issued_at == NOW - 3600
    )
    assert reason(keys, keys.sign(VERSION, Kind.CLASS, NOW - 3601, 0, CLASSES)) == "expired"
    assert reason(keys, keys.sign(VERSION, Kind.CLASS, NOW + 61, 0, CLASSES)) == "future"


def test_an_id_of_the_index_layout_is_malformed_not_read_as_a_class_name() -> None:
    """Format 1 held a class's index where format 2 holds its name's digest: the byte tells them apart."""
    raw = bytearray(base64.urlsafe_b64decode(KEYS.sign(VERSION, Kind.CLASS, NOW, 1, CLASSES)))[:26]
    raw[0] = 1
    raw[18:26] = (1).to_bytes(8, "big")
    tagged = base64.urlsafe_b64encode(bytes(raw) + KEYS.current.tag(bytes(raw))).decode()
    assert reason(KEYS, tagged) == "malformed"


def test_a_kind_from_a_newer_release_is_malformed_not_an_error() -> None:
    token = KEYS.sign(VERSION, Kind.CLASS, NOW, 0, CLASSES)
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
