"""The data plane as the server runs it: the runtime's, carrying the server's settings and the keys its
prediction ids are signed and verified with, and the server's readiness, which adds the HTTP layer's own
reason to the data plane's."""

from dataclasses import dataclass, field

from ..outcomes.ids import IdKeys
from ..runtime.dataplane import DataPlane
from .http.admission import ADMISSION
from .ids import id_keys_of
from .settings import ServerSettings

STALLED = "every request slot has been held without progress; the worker cannot admit requests"


@dataclass
class Plane(DataPlane[ServerSettings]):
    # Built from the settings when the plane is made (serving/ids.py: a key made at start when none is set).
    id_keys: IdKeys = field(init=False)

    def __post_init__(self) -> None:
        self.id_keys = id_keys_of(self.settings)

    @property
    def version(self) -> str | None:
        """The served model's version as ids and metrics carry it: the first 12 hex of its ONNX sha256."""
        manifest = self.predictor.manifest
        if self.predictor.session is None or manifest is None or manifest.onnx is None:
            return None
        return manifest.onnx.sha256[:12]


def unready_reason(plane: Plane) -> str | None:
    """Why the worker should get no traffic now (the model's reason first), or None when it is ready."""
    reason = plane.unready_reason
    if reason is None and ADMISSION.stalled():
        return STALLED
    return reason
