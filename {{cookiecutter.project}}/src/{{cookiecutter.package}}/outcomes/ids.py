"""Prediction ids: what a model version predicted and when, signed so that no client can forge or alter it.

An outcome that arrives days later, at any replica, is attributed to the model version that made the
prediction from the id alone, with no database. The id is 42 bytes, 56 base64url characters without
padding (42 bytes are exactly 56 characters of 6 bits, so each id has one spelling):

    format 1 | key id 1 | kind 1 | model version 6 | issued at 5 | nonce 4 | value 8 | tag 16

A class's value is its digest (labels.py), 8 bytes of the SHA-256 of the class's name or of the number
it spells, not its index: a replica whose model lists or spells the classes otherwise (a retrain that
read the target in another form) still judges a label outcome right. A regressor's value is its output
as a float64.

The tag is HMAC-SHA-256 over a domain label and the 26 bytes before it, truncated to its leftmost 128
bits (FIPS 198-1 section 5; RFC 2104 section 5 asks for at least half the hash's length).
"""

import base64
import hmac
import itertools
import re
import secrets
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from ..labels import LabelTable

# 2: a class's value is its digest. Format 1 held the class's index; its ids are refused as malformed
# rather than read as a class.
FORMAT = 2
DOMAIN = b"ml-template/prediction-id/v1\x00"
TOKEN_LENGTH = 56
_TAG_BYTES = 16
_BODY = struct.Struct(">BBB6s5sI8s")  # format, key id, kind, version, issued at, nonce, value
_TOKEN = re.compile("[A-Za-z0-9_-]{56}")  # TOKEN_LENGTH characters
_VERSION = re.compile(r"[0-9a-f]{12}")
_HEAD = struct.Struct(">BBB6s")  # the body's first four fields, fixed for a server's model and key
_NONCE = struct.Struct(">I")
_VALUE = struct.Struct(">d")
# Unique per process; a random start keeps two replicas' ids apart.
_nonces = itertools.count(secrets.randbits(32))

Reason = Literal["malformed", "unknown_key", "bad_signature", "expired", "future"]


class Kind(IntEnum):
    """What the value holds: the predicted class's digest (LabelTable.digests), or a regressor's output."""

    CLASS = 0
    VALUE = 1


_KINDS = frozenset(Kind)


@dataclass(frozen=True, slots=True)
class PredictionId:
    version: str
    kind: Kind
    issued_at: int
    nonce: int
    # A regressor's output; 0 for a class, whose digest is in `label`.
    value: float
    # A class's digest (LabelTable.digests); b"" for a regressor's.
    label: bytes = b""


class IdRejected(ValueError):
    """An id this server will not attribute an outcome to; `reason` is one word for the counters."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: int
    secret: bytes = b""
    # The HMAC state after the key and the domain label: each tag copies it and hashes only the body,
    # about half the cost of keying HMAC afresh for every id.
    _keyed: "hmac.HMAC" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= 255:
            raise ValueError(f"a key id is 0 to 255, not {self.key_id}")
        if len(self.secret) < 32:
            raise ValueError(f"a prediction id key holds at least 32 bytes, this one {len(self.secret)}")
        object.__setattr__(self, "_keyed", hmac.new(self.secret, DOMAIN, "sha256"))

    @classmethod
    def from_base64(cls, text: str, key_id: int) -> "SigningKey":
        try:
            secret = base64.b64decode(text.strip(), validate=True)
        except ValueError:
            raise ValueError("a prediction id key is base64 (openssl rand -base64 32)") from None
        return cls(key_id, secret)

    @classmethod
    def generate(cls, key_id: int = 0) -> "SigningKey":
        return cls(key_id, secrets.token_bytes(32))

    def tag(self, body: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(body)
        return mac.digest()[:_TAG_BYTES]


class IdKeys:
    """Signs with the current key; verifies with it or, during a rotation's grace period, the previous one."""

    def __init__(
        self,
        current: SigningKey,
        previous: SigningKey | None = None,
        max_age: int = 30 * 86400,
        clock_skew: int = 300,
    ) -> None:
        if previous is not None and previous.key_id == current.key_id:
            raise ValueError(f"the previous prediction id key needs another key id than {current.key_id}")
        self.current = current
        self._accepted = {key.key_id: key for key in (current, previous) if key is not None}
        self.max_age = max_age
        self.clock_skew = clock_skew

    def sign(
        self, version: str, kind: Kind, issued_at: int, value: int | float, classes: Sequence[str] = ()
    ) -> str:
        """A new id for one predicted value: an index into `classes`, or a regressor's output."""
        return self.signer(version, kind, classes).sign(issued_at, [value])[0]

    def signer(self, version: str, kind: Kind, classes: Sequence[str] = ()) -> "Signer":
        """Signs ids of one model version and kind with the current key: what a server holds."""
        return Signer(self.current, version, kind, classes)

    def verify(self, token: object, now: float) -> PredictionId:
        """The id's content, once its spelling, key, tag and age are all right; else IdRejected."""
        raw = _decode(token)
        body, tag = raw[: _BODY.size], raw[_BODY.size :]
        form, key_id, kind, version, issued_at, nonce, packed = _BODY.unpack(body)
        if form != FORMAT:
            raise IdRejected("malformed", f"unknown prediction id format {form}")
        key = self._accepted.get(key_id)
        if key is None:
            raise IdRejected("unknown_key", f"prediction id signed with key id {key_id}, not accepted here")
        if not hmac.compare_digest(tag, key.tag(body)):
            raise IdRejected("bad_signature", "prediction id signature does not match: altered or forged")
        if kind not in _KINDS:  # signed by a key of ours, so only a newer release could have written it
            raise IdRejected("malformed", f"unknown prediction id kind {kind}")
        value, label = (0.0, packed) if kind == Kind.CLASS else (float(_VALUE.unpack(packed)[0]), b"")
        issued = int.from_bytes(issued_at, "big")
        return self._in_date(PredictionId(version.hex(), Kind(kind), issued, nonce, value, label), now)

    def _in_date(self, pid: PredictionId, now: float) -> PredictionId:
        if pid.issued_at > now + self.clock_skew:
            raise IdRejected("future", f"prediction id issued at {pid.issued_at}, after now ({int(now)})")
        if now - pid.issued_at > self.max_age:
            raise IdRejected(
                "expired", f"prediction id older than {self.max_age} s: issued at {pid.issued_at}"
            )
        return pid


class Signer:
    """The ids of one model version and kind, its bytes that never change packed once."""

    def __init__(self, key: SigningKey, version: str, kind: Kind, classes: Sequence[str] = ()) -> None:
        self._head = _HEAD.pack(FORMAT, key.key_id, kind, bytes.fromhex(require_version(version)))
        self._key = key
        self._pack: Callable[[int | float], bytes] = _VALUE.pack
        if kind is Kind.CLASS:
            # The values are indices into `classes`, as the graph's label output holds them.
            digests = LabelTable(classes).digests
            self._pack = lambda index: digests[int(index)]

    def sign(self, issued_at: int, values: Iterable[int | float]) -> list[str]:
        """An id per value, in order, each with a nonce of its own."""
        head = self._head + issued_at.to_bytes(5, "big")
        tag, pack, nonce = self._key.tag, self._pack, _NONCE.pack
        tokens = []
        for value in values:
            body = head + nonce(next(_nonces) & 0xFFFFFFFF) + pack(value)
            tokens.append(base64.urlsafe_b64encode(body + tag(body)).decode("ascii"))
        return tokens


def require_version(version: str) -> str:
    """A model version as ids carry it: the first 12 hex digits of the model's sha256, lower case."""
    if not _VERSION.fullmatch(version):
        raise ValueError(f"a model version is 12 lower-case hex digits, not {version!r}")
    return version


def _decode(token: object) -> bytes:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise IdRejected("malformed", f"a prediction id is {TOKEN_LENGTH} base64url characters")
    return base64.urlsafe_b64decode(token)
