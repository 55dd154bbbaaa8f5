"""What the routes share: the settings, the predictor, the metrics, and one monitored inference call."""

from dataclasses import dataclass

from ..manifest import ModelManifest
from ..settings import Settings
from .admission import ADMISSION
from .features import Feed
from .monitoring.metrics import Metrics, ModelMonitor
from .predict.rows import RowReader, largest_body
from .predictor import FileLimits, Outputs, Predictor
from .responses import ApiError


@dataclass
class Service:
    settings: Settings
    predictor: Predictor
    metrics: Metrics
    monitor: ModelMonitor | None = None
    reader: RowReader | None = None

    @classmethod
    def start(cls, settings: Settings) -> "Service":
        """Load the model now, so that a worker is ready as soon as it accepts connections."""
        predictor = Predictor()
        limits = FileLimits(settings.max_model_bytes, settings.max_manifest_bytes)
        predictor.load(settings.model_dir, settings.intra_op_threads, settings.inter_op_threads, limits)
        service = cls(settings, predictor, Metrics(settings.prometheus_multiproc_dir))
        if predictor.manifest is not None and predictor.session is not None:
            manifest = predictor.manifest
            service.monitor = ModelMonitor(
                service.metrics, manifest, settings.git_revision, settings.drift_window
            )
            service.reader = RowReader(manifest, settings.max_batch_rows, settings.strict_categories)
        return service

    @property
    def max_body_bytes(self) -> int:
        """The body limit: as set, or what the largest batch of this model takes (64 KiB unloaded)."""
        if self.settings.max_body_bytes is not None:
            return self.settings.max_body_bytes
        if self.predictor.manifest is None:
            return 64 * 1024
        return largest_body(self.predictor.manifest, self.settings.max_batch_rows)

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
