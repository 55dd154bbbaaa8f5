"""The outcome tests' server key, and ids signed with it as /predict would sign them."""

import base64
import time
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package }}.manifest import ModelManifest
from {{ cookiecutter.package }}.outcomes.ids import IdKeys, Kind, SigningKey

SECRET = bytes(range(32))
KEYS = IdKeys(SigningKey(3, SECRET))
SETTINGS: dict[str, Any] = {"prediction_id_key": base64.b64encode(SECRET).decode(), "prediction_id_key_id": 3}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return dict(SETTINGS)


@dataclass(frozen=True)
class Predicted:
    """A prediction of the served model, with a true outcome that is right and one that is wrong."""

    version: str
    kind: str
    right: object
    wrong: object
    classes: list[str] | None = None

    def id(self, version: str | None = None, issued_at: int | None = None, keys: IdKeys = KEYS) -> str:
        """A fresh id of this prediction (each has its own nonce)."""
        kind = Kind.CLASS if self.kind == "label" else Kind.VALUE
        value = 1 if self.kind == "label" else 100.0
        when = int(time.time()) - 60 if issued_at is None else issued_at
        return keys.sign(version or self.version, kind, when, value, self.classes or ())


@pytest.fixture
def predicted(manifest: ModelManifest) -> Predicted:
    assert manifest.onnx is not None
    version = manifest.onnx.sha256[:12]
    if manifest.classes:
        return Predicted(version, "label", manifest.classes[1], manifest.classes[0], manifest.classes)
    return Predicted(version, "value", 100.0, 130.0)


def sample(text: str, name: str, **labels: str) -> float:
    """One series' value in an exposition (0 when absent), matching the given labels."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return float(found.value)
    return 0.0


def counted(text: str) -> float:
    """The sum of every outcome counter but the rejections (and the served version's zero series)."""
    return sum(
        found.value
        for family in text_string_to_metric_families(text)
        for found in family.samples
        if found.name.startswith("model_outcome") and "rejected" not in found.name
    )
