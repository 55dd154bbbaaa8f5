"""What the routes share: the settings, the predictor, the metrics, and one monitored inference call."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from ..manifest import ModelManifest
from ..serving.http.admission import ADMISSION
from ..serving.http.responses import ApiError
from ..serving.monitoring.metrics import Metrics, ModelMonitor
from ..serving.predict.rows import RowReader
from .columns import Feed
from .predictor import FileLimits, Outputs, Predictor
from .settings import RuntimeSettings

# The settings of whoever runs the data plane: the server's, which add its own to the runtime's.
S = TypeVar("S", bound=RuntimeSettings)


@dataclass
class DataPlane(Generic[S]):
    settings: S
    predictor: Predictor
    metrics: Metrics
    monitor: ModelMonitor | None = None
    reader: RowReader | None = None

    @classmethod
    def load(cls, settings: S) -> "DataPlane[S]":
        """Load the model now, so that a worker is ready as soon as it accepts connections."""
        predictor = Predictor()
        limits = FileLimits(settings.max_model_bytes, settings.max_manifest_bytes)
        predictor.load(settings.model_dir, settings.intra_op_threads, settings.inter_op_threads, limits)
        service = cls(settings, predictor, Metrics(getattr(settings, "prometheus_multiproc_dir", None)))
        if predictor.manifest is not None and predictor.session is not None:
            manifest = predictor.manifest
            service.monitor = ModelMonitor(
                service.metrics, manifest, settings.git_revision, settings.drift_window
            )
            service.reader = RowReader(
                manifest, getattr(settings, "max_batch_rows", 1024), settings.strict_categories
            )
        return service

    @property
    def unready_reason(self) -> str | None:
        """Why the worker should get no traffic now, or None when it is ready."""
        if self.predictor.draining:
            return "draining"
        if self.predictor.session is None:
            return self.predictor.problem
        if ADMISSION.stalled():
            return "every request slot has been held without progress; the worker cannot admit requests"
        return None

    @property
    def manifest(self) -> ModelManifest:
        if self.predictor.session is None or self.predictor.manifest is None:
            raise ApiError(503, f"model not ready: {self.predictor.problem}")
        return self.predictor.manifest

    def infer(self, feed: Feed) -> Outputs:
        """Run the model on checked input tensors and record them; inputs are already validated."""
        assert self.monitor is not None, "infer() is reached only through a loaded model"
        outputs = self.predictor.run(feed)
        self.monitor.observe(feed, outputs)
        return outputs
