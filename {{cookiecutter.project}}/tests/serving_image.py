"""The server zygote's first preload (tests/zygote.py), imported nowhere else: the process as the serving
image runs it, with the training libraries unimportable and no metrics directory inherited from the
shell (prometheus_client picks its mode from that variable once, at import)."""

import os
import sys

from .zygote import TRAINING_ONLY

for name in TRAINING_ONLY:
    sys.modules[name] = None  # type: ignore[assignment]  # the import system's mark of "not importable"
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
