"""The classes of a model: a true label as clients send it matched to one of them, and each class's
identity across model versions.

/predict answers with the class names of the manifest, which training wrote as text (`str(label)`:
"malignant", "1", "True", "1.0"). Clients send them back as they hold them: that text, or the number or
boolean a warehouse column holds. A name matches as written; otherwise any spelling of the same number
or boolean matches ("1", 1, 1.0 and "1.0" are one class; true and "True" another).

Two versions of a model name one class alike when a retrain read the target in another form: "1" from
a column of integers, "1.0" from the same column read as doubles. A class's identity (its digest, which
prediction ids carry and the shadow stage compares) is therefore the number or boolean it spells when
no other class of the model spells the same one, and its exact name otherwise ("1" and "1.0" in one
model stay two classes).
"""

import hashlib
import math
import re
from collections.abc import Sequence
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

DIGEST_BYTES = 8
# Text longer than this is never a number; it also bounds the digits a decimal is read with.
MAX_NUMBER_TEXT = 64
# ASCII decimal notation only, as a CSV or JSON writer spells a number.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?")
# Room for every digit of such text, an int64 and a float's repr, so that nothing is rounded.
_EXACT = Context(prec=MAX_NUMBER_TEXT + 4, Emax=MAX_EMAX, Emin=MIN_EMIN)
# Prefixed to a number's spelling before hashing: 0xFF is in no UTF-8 text, so no class name hashes alike.
_NUMBER_DOMAIN = b"\xff"


class LabelTable:
    """The classes of a model by every spelling a client may use for them."""

    def __init__(self, classes: Sequence[str]) -> None:
        self.classes = list(classes)
        self.names = {name: index for index, name in enumerate(classes)}
        spellings: dict[str, list[int]] = {}
        for index, name in enumerate(classes):
            key = _canonical(name)
            if key is not None:
                spellings.setdefault(key, []).append(index)
        # Two classes spelled alike ("1" and "1.0") are told apart by their exact names only.
        self.spellings = {key: indices[0] for key, indices in spellings.items() if len(indices) == 1}
        self.digests = [self._digest(name) for name in classes]
        self.by_digest = {digest: index for index, digest in enumerate(self.digests)}

    def index(self, label: object) -> int | None:
        """The class index of a label, or None when it names no class of the model."""
        if isinstance(label, str) and label in self.names:
            return self.names[label]
        key = _canonical(label)
        return None if key is None else self.spellings.get(key)

    def set_digest(self) -> str:
        """The class set whatever its order or spelling, as 12 hex digits; "" for a model with no classes.
        Two versions whose outcomes compare have the same."""
        if not self.digests:
            return ""
        return hashlib.sha256(b"".join(sorted(self.digests))).hexdigest()[:12]

    def _digest(self, name: str) -> bytes:
        """A class's identity: the first DIGEST_BYTES of the SHA-256 of its number, or of its name."""
        key = _canonical(name)
        data = _NUMBER_DOMAIN + key.encode() if key in self.spellings else name.encode()
        return hashlib.sha256(data).digest()[:DIGEST_BYTES]


def _canonical(label: object) -> str | None:
    """One spelling per number or boolean; None for other text and for what is no label at all.

    Numbers are read exactly, as decimals: float() would also read "1_0", an Arabic-Indic or a full-width
    digit as numbers, and round integers past 2**53 so that two distinct ids of a target merge.
    """
    if isinstance(label, bool):
        return "true" if label else "false"
    if isinstance(label, int):
        return _decimal(Decimal(label)) if abs(label) < 10**MAX_NUMBER_TEXT else None
    if isinstance(label, float):
        # repr is the shortest text that reads back as this float: 0.1 is "0.1", as a client writes it.
        return _decimal(Decimal(repr(label))) if math.isfinite(label) else None
    if isinstance(label, str) and len(label) <= MAX_NUMBER_TEXT:
        text = label.strip(" \t\r\n").lower()
        if text in ("true", "false"):
            return text
        return _decimal(Decimal(text)) if _NUMBER.fullmatch(text) else None
    return None


def _decimal(number: Decimal) -> str:
    """A number's one spelling, its normal form: "1" for 1.0 and 10e-1, "1E+1" for 10; every zero "0"."""
    normal = number.normalize(_EXACT)
    return "0" if normal.is_zero() else str(normal)
