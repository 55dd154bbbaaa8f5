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
from collections.abc import Sequence

DIGEST_BYTES = 8
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
    """One spelling per number or boolean; None for other text and for what is no label at all."""
    if isinstance(label, bool):
        return "true" if label else "false"
    if isinstance(label, int):
        return str(label)
    if isinstance(label, float):
        if not math.isfinite(label):
            return None
        return str(int(label)) if label.is_integer() else repr(label)
    if isinstance(label, str) and len(label) <= 64:
        text = label.strip().lower()
        if text in ("true", "false"):
            return text
        try:
            return _canonical(float(text))
        except ValueError:
            return None
    return None
