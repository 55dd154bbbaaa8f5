"""The shadow stage's metrics, exported by every server whose model loaded, so that each has the series
the shadow-agreement analysis reads; only a server with APP_SHADOW_STABLE_URL counts anything."""

from prometheus_client import CollectorRegistry, Counter, Gauge

SKIP_REASONS = (
    "busy",
    "same_model",
    "incomparable",
    "stable_error",
    "stable_timeout",
    "unreadable",
    "unsendable",
)


class ShadowMetrics:
    def __init__(self, registry: CollectorRegistry, min_agreement: float) -> None:
        self.registry = registry
        self.comparisons = Counter(
            "model_shadow_comparisons", "Rows of answers compared with the stable model's", registry=registry
        )
        self.agreements = Counter(
            "model_shadow_agreements", "Compared rows the stable model agreed on", registry=registry
        )
        skipped = Counter(
            "model_shadow_skipped", "Answers not compared, by reason", ["reason"], registry=registry
        )
        self.skipped = {reason: skipped.labels(reason) for reason in SKIP_REASONS}
        self.min_agreement = Gauge(
            "model_shadow_min_agreement",
            "Share of compared rows that must agree (the manifest's shadow.min_agreement)",
            multiprocess_mode="max",
            registry=registry,
        )
        self.min_agreement.set(min_agreement)
        # For people (the analysis judges from the counters): 1 until the stable's /model shows otherwise;
        # the lowest live worker's value, so one that knows the stage is impossible says so.
        self.comparable = Gauge(
            "model_shadow_comparable",
            "1 when the stable model's task and classes are this one's; 0 when the stage is skipped",
            multiprocess_mode="livemin",
            registry=registry,
        )
        self.comparable.set(1)
