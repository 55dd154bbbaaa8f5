"""The data plane as the server runs it: the runtime's, carrying the server's settings, and the
server's readiness, which adds the HTTP layer's own reason to the data plane's."""

from ..runtime.dataplane import DataPlane
from .http.admission import ADMISSION
from .settings import ServerSettings

Plane = DataPlane[ServerSettings]

STALLED = "every request slot has been held without progress; the worker cannot admit requests"


def unready_reason(plane: Plane) -> str | None:
    """Why the worker should get no traffic now (the model's reason first), or None when it is ready."""
    reason = plane.unready_reason
    if reason is None and ADMISSION.stalled():
        return STALLED
    return reason
