"""Judging an outcome against the prediction its id carries, and counting it for the id's model version.

The id alone says which version predicted what and when (ids.py), so any replica, of any version,
records any outcome: no database, no lookup. What the id cannot stop is a valid id posted twice; each
worker remembers the last SEEN_IDS outcomes it accepted and refuses a repeat as a duplicate. A repeat
that reaches another worker or replica is counted (docs/monitoring.md says so).
"""

import contextlib
import math
from collections import OrderedDict
from dataclasses import dataclass

from ..labels import LabelTable
from .ids import IdKeys, IdRejected, Kind, PredictionId
from .metrics import MAX_CONFUSION_CLASSES, OutcomeKind, OutcomeMetrics

# The most outcomes one request to /v1/outcomes may carry, and so the upload's largest batch.
MAX_OUTCOMES = 1000
# Per worker: about 125 bytes each (a hash in an OrderedDict), 8 MB in all (measured with tracemalloc).
SEEN_IDS = 65_536


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a client reports for one prediction: a true label (as sent), a true value or a business number."""

    prediction_id: str
    kind: OutcomeKind
    truth: object


class Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class OutcomeRecorder:
    """Verifies each outcome's id, judges it against what the id says was predicted, and counts it."""

    def __init__(self, metrics: OutcomeMetrics, keys: IdKeys, classes: list[str] | None) -> None:
        self.metrics = metrics
        self.keys = keys
        self.labels = LabelTable(classes or [])
        self.confusion = bool(classes) and len(classes or []) <= MAX_CONFUSION_CLASSES
        self.seen: OrderedDict[int, None] = OrderedDict()

    def record(self, outcome: Outcome, now: float) -> None:
        """Count an outcome, or raise Refused, counted only as such."""
        try:
            self._record(outcome, now)
        except IdRejected as error:
            self.refuse(error.reason, str(error))
        except Refused as error:
            self.refuse(error.reason, error.detail)

    def refuse(self, reason: str, detail: str) -> None:
        self.metrics.rejected[reason].inc()
        raise Refused(reason, detail)

    def _record(self, outcome: Outcome, now: float) -> None:
        pid = self.keys.verify(outcome.prediction_id, now=now)
        key = hash((outcome.prediction_id, outcome.kind))
        if key in self.seen:
            raise Refused("duplicate", f"a {outcome.kind} outcome for this id was recorded already")
        # Each counts only once every check has passed: a refused outcome leaves no other trace.
        if outcome.kind == "label":
            self._label(pid, outcome.truth)
        elif outcome.kind == "value":
            self._value(pid, outcome.truth)
        else:
            self._business(pid, outcome.truth)
        self.seen[key] = None
        if len(self.seen) > SEEN_IDS:
            self.seen.popitem(last=False)
        self.metrics.outcomes.labels(pid.version, outcome.kind).inc()
        self.metrics.delay.labels(pid.version).observe(max(0.0, now - pid.issued_at))

    def _label(self, pid: PredictionId, truth: object) -> None:
        if pid.kind is not Kind.CLASS:
            raise Refused("kind_mismatch", "a label outcome for a regressor's prediction; send value")
        classes = self.labels.classes
        actual = self.labels.index(truth)
        if actual is None:
            names = ", ".join(repr(name) for name in classes[:10])
            raise Refused("unknown_label", f"label {str(truth)[:40]!r} is none of the classes {names}")
        # By digest, not index: the version that predicted may list or spell the classes otherwise.
        predicted = self.labels.by_digest.get(pid.label)
        if predicted is None:
            raise Refused("unknown_class", "the id's predicted class is none of this model's classes")
        if actual == predicted:
            self.metrics.correct.labels(pid.version).inc()
        if self.confusion:
            self.metrics.confusion.labels(pid.version, classes[actual], classes[predicted]).inc()

    def _value(self, pid: PredictionId, truth: object) -> None:
        if pid.kind is not Kind.VALUE:
            raise Refused("kind_mismatch", "a value outcome for a classifier's prediction; send label")
        error = _number(truth) - float(pid.value)
        if not math.isfinite(error * error):
            raise Refused("malformed", "the error of this value is too large to count")
        self.metrics.absolute_error.labels(pid.version).inc(abs(error))
        self.metrics.squared_error.labels(pid.version).inc(error * error)

    def _business(self, pid: PredictionId, truth: object) -> None:
        number = _number(truth)
        # A Prometheus counter only goes up (a fall reads as a restart), so its sum takes no negatives.
        if number < 0 or not math.isfinite(number * number):
            raise Refused("malformed", "a business outcome is a number from 0 to 1e150, such as 1 for a sale")
        self.metrics.business.labels(pid.version).inc(number)
        self.metrics.business_squared.labels(pid.version).inc(number * number)


def _number(truth: object) -> float:
    """A finite number as a float; booleans, text and integers past float's range are refused."""
    if isinstance(truth, int | float) and not isinstance(truth, bool):
        with contextlib.suppress(OverflowError):
            if math.isfinite(number := float(truth)):
                return number
    raise Refused("malformed", "value and business outcomes are finite numbers")
