"""The data plane as the server runs it: the runtime's, carrying the server's settings and the keys its
prediction ids are signed and verified with, and the server's readiness, which adds the HTTP layer's own
reason to the data plane's."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..outcomes.ids import IdKeys
from ..runtime.dataplane import DataPlane
from ..runtime.predictor import Outputs
from .http.admission import ADMISSION
from .ids import IdStamper, id_keys_of
from .settings import ServerSettings

STALLED = "every request slot has been held without progress; the worker cannot admit requests"


@dataclass
class Plane(DataPlane[ServerSettings]):
    # Built from the settings when the plane is made (serving/ids.py: a key made at start when none is set).
    id_keys: IdKeys = field(init=False)
    # The served model's version as ids and metrics carry it, the first 12 hex digits of its ONNX sha256,
    # and what signs its answers' ids; None when no model loaded.
    version: str | None = field(init=False, default=None)
    stamper: IdStamper | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.id_keys = id_keys_of(self.settings)
        manifest = self.predictor.manifest
        if self.predictor.session is None or manifest is None or manifest.onnx is None:
            return
        self.version = manifest.onnx.sha256[:12]
        counters = (self.metrics.prediction_ids, self.metrics.prediction_requests)
        self.stamper = IdStamper(self.id_keys, self.version, manifest.classes or None, counters)

    def stamp(self, outputs: Outputs, headers: Mapping[str, str], as_text: bool = False) -> list[str]:
        """The ids of an answer of the model, one per row (see IdStamper)."""
        assert self.stamper is not None, "stamp() follows infer(), which needs a loaded model"
        return self.stamper.stamp(outputs, headers, as_text)


def unready_reason(plane: Plane) -> str | None:
    """Why the worker should get no traffic now (the model's reason first), or None when it is ready."""
    reason = plane.unready_reason
    if reason is None and ADMISSION.stalled():
        return STALLED
    return reason
