"""The data plane as the server runs it: the runtime's, carrying the server's settings."""

from ..runtime.dataplane import DataPlane
from .settings import ServerSettings

Plane = DataPlane[ServerSettings]
