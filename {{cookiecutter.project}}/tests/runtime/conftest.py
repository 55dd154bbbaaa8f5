"""The runtime tests' fixtures: the model they load (`model_dir`, which a test may damage), and the app
that serves it, whose readiness reports what the data plane found. They are the serving tests' own."""

from ..serving.conftest import app_settings, client, model_dir, settings

__all__ = ["app_settings", "client", "model_dir", "settings"]
