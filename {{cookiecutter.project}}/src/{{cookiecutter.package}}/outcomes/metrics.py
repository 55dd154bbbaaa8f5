"""The outcome counters: per model version (the version an id carries), never per id or per client.

Only a verified id gets a `version` label, and only our key signs ids, so the versions are the ones
this project served. The queries over them are in docs/monitoring.md.
"""

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram

OutcomeKind = Literal["label", "value", "business"]
KINDS: tuple[OutcomeKind, ...] = ("label", "value", "business")
# Why an outcome was refused: the id's own reasons (ids.py), then what the outcome itself got wrong.
REASONS = (
    "malformed",
    "unknown_key",
    "bad_signature",
    "expired",
    "future",
    "kind_mismatch",
    "unknown_label",
    "unknown_class",
    "duplicate",
)
# A confusion matrix of k classes is k² series per version: past 20 classes (400) only correct/total.
MAX_CONFUSION_CLASSES = 20
# From a minute to the ids' longest default life (30 days): ground truth often arrives hours or days late.
HOUR, DAY = 3600.0, 86400.0
DELAY_BUCKETS = (
    60.0,
    300.0,
    900.0,
    1800.0,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
)


class OutcomeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        r = self.registry = registry
        self.outcomes = Counter(
            "model_outcomes",
            "Accepted outcomes, by the version that predicted and kind",
            ["version", "kind"],
            registry=r,
        )
        self.correct = Counter(
            "model_outcomes_correct", "Label outcomes equal to the predicted class", ["version"], registry=r
        )
        self.confusion = Counter(
            "model_outcomes_confusion",
            f"Label outcomes by true and predicted class (models of at most {MAX_CONFUSION_CLASSES} classes)",
            ["version", "actual", "predicted"],
            registry=r,
        )
        self.absolute_error = Counter(
            "model_outcomes_absolute_error", "Sum of |true - predicted|", ["version"], registry=r
        )
        self.squared_error = Counter(
            "model_outcomes_squared_error", "Sum of (true - predicted)^2", ["version"], registry=r
        )
        self.business = Counter(
            "model_outcomes_business", "Sum of business outcomes", ["version"], registry=r
        )
        self.business_squared = Counter(
            "model_outcomes_business_squared", "Sum of squared business outcomes", ["version"], registry=r
        )
        self.delay = Histogram(
            "model_outcome_delay_seconds",
            "Time from prediction to its accepted outcome",
            ["version"],
            buckets=DELAY_BUCKETS,
            registry=r,
        )
        rejected = Counter("model_outcomes_rejected", "Refused outcomes, by reason", ["reason"], registry=r)
        self.rejected = {reason: rejected.labels(reason) for reason in REASONS}

    def start(self, version: str, classifier: bool) -> None:
        """The series of the version this server serves, at zero: a query or alert over them finds them
        before the first outcome arrives, and a counter that starts at zero loses no first increase."""
        for kind in ("label" if classifier else "value", "business"):
            self.outcomes.labels(version, kind)
        for counter in (self.correct,) if classifier else (self.absolute_error, self.squared_error):
            counter.labels(version)
        self.business.labels(version)
        self.business_squared.labels(version)
        self.delay.labels(version)
