"""The data plane: the predictor, the model's column codec and monitor, and whether it may take traffic.

The server's APIs read requests with its `columns` and call `infer`, which runs the model and records
the prediction. It knows no HTTP: a model that cannot answer is a ModelNotReady, which the server
answers with a 503.
"""

import logging
from dataclasses import dataclass
from typing import Generic, Self, TypeVar

from prometheus_client import CollectorRegistry

from ..manifest import ModelManifest
from .columns import Columns, Feed
from .monitor import ModelMetrics, ModelMonitor
from .predictor import FileLimits, Outputs, Predictor
from .settings import RuntimeSettings

log = logging.getLogger(__name__)

# The settings of whoever runs the data plane: the server's, which add its own to the runtime's.
S = TypeVar("S", bound=RuntimeSettings)


class ModelNotReady(Exception):
    """The model cannot answer: it failed to load (the message says why)."""


@dataclass
class DataPlane(Generic[S]):
    settings: S
    predictor: Predictor
    metrics: ModelMetrics
    # Set once the model has loaded: the codec of its inputs, and the monitor of its predictions.
    columns: Columns | None = None
    monitor: ModelMonitor | None = None
    # Set when the server is told to stop: readiness fails while the requests in flight are answered.
    draining: bool = False

    @classmethod
    def load(cls, settings: S) -> Self:
        """Load the model now, so that a worker is ready as soon as it accepts connections."""
        predictor = Predictor()
        limits = FileLimits(settings.max_model_bytes, settings.max_manifest_bytes)
        predictor.load(settings.model_dir, settings.intra_op_threads, settings.inter_op_threads, limits)
        if predictor.session is None:
            log.error("model not ready: %s", predictor.detail)
        plane = cls(settings, predictor, ModelMetrics(CollectorRegistry()))
        if predictor.manifest is not None and predictor.session is not None:
            manifest = predictor.manifest
            plane.columns = Columns(manifest, settings.strict_categories)
            window = settings.drift_window
            plane.monitor = ModelMonitor(plane.metrics, manifest, settings.git_revision, window)
        return plane

    @property
    def unready_reason(self) -> str | None:
        """Why the model should get no traffic now, or None when it may."""
        if self.draining:
            return "draining"
        if self.predictor.session is None:
            return self.predictor.problem
        return None

    @property
    def manifest(self) -> ModelManifest:
        """The loaded model's manifest; ModelNotReady when none loaded."""
        if self.predictor.session is None or self.predictor.manifest is None:
            raise self.not_ready()
        return self.predictor.manifest

    def not_ready(self) -> ModelNotReady:
        return ModelNotReady(f"model not ready: {self.predictor.problem}")

    def infer(self, feed: Feed) -> Outputs:
        """Run the model on checked input tensors and record them; inputs are already validated."""
        assert self.monitor is not None, "infer() is reached only through a loaded model"
        outputs = self.predictor.run(feed)
        self.monitor.observe(feed, outputs)
        return outputs
