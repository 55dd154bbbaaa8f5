"""Recording outcomes: each counted for the version its id carries, in the right counters; a refused
one counted only as a rejection, by reason."""

from collections.abc import Callable, Iterator

import pytest
from prometheus_client import CollectorRegistry

from {{ cookiecutter.package }}.outcomes import record
from {{ cookiecutter.package }}.outcomes.ids import IdKeys, Kind, SigningKey
from {{ cookiecutter.package }}.outcomes.metrics import OutcomeMetrics
from {{ cookiecutter.package }}.outcomes.record import Outcome, OutcomeRecorder, Refused

NOW = 1_800_000_000
SERVED = "0123456789ab"
OTHER = "ba9876543210"
CLASSES = ["benign", "malignant", "unsure"]
KEYS = IdKeys(SigningKey(1, bytes(range(32))))


@pytest.fixture
def recorder() -> OutcomeRecorder:
    metrics = OutcomeMetrics(CollectorRegistry())
    metrics.start(SERVED, classifier=True)
    return OutcomeRecorder(metrics, KEYS, CLASSES)


def sample(recorder: OutcomeRecorder, name: str, **labels: str) -> float:
    return recorder.metrics.registry.get_sample_value(name, labels) or 0.0


def counted(recorder: OutcomeRecorder) -> Iterator[tuple[str, float]]:
    """Every non-zero sample but the rejection counter's."""
    for metric in recorder.metrics.registry.collect():
        for found in metric.samples:
            if found.value and not found.name.startswith("model_outcomes_rejected"):
                yield found.name, found.value


def class_id(
    index: int, version: str = SERVED, issued_at: int = NOW - 3600, classes: list[str] = CLASSES
) -> str:
    return KEYS.sign(version, Kind.CLASS, issued_at, index, classes)


def refusal(recorder: OutcomeRecorder, outcome: Outcome) -> str:
    with pytest.raises(Refused) as refused:
        recorder.record(outcome, NOW)
    return refused.value.reason


def test_a_true_label_counts_as_correct_and_in_the_confusion(recorder: OutcomeRecorder) -> None:
    recorder.record(Outcome(class_id(1), "label", "malignant"), NOW)
    recorder.record(Outcome(class_id(1), "label", "benign"), NOW)
    assert sample(recorder, "model_outcomes_total", version=SERVED, kind="label") == 2
    assert sample(recorder, "model_outcomes_correct_total", version=SERVED) == 1
    confusion = "model_outcomes_confusion_total"
    assert sample(recorder, confusion, version=SERVED, actual="benign", predicted="malignant") == 1
    assert sample(recorder, confusion, version=SERVED, actual="malignant", predicted="malignant") == 1
    assert sample(recorder, "model_outcome_delay_seconds_bucket", version=SERVED, le="3600.0") == 2


def test_a_value_counts_its_absolute_and_squared_error() -> None:
    recorder = OutcomeRecorder(OutcomeMetrics(CollectorRegistry()), KEYS, None)
    for truth in (150.0, 90):
        recorder.record(Outcome(KEYS.sign(SERVED, Kind.VALUE, NOW, 100.0), "value", truth), NOW)
    assert sample(recorder, "model_outcomes_absolute_error_total", version=SERVED) == 60
    assert sample(recorder, "model_outcomes_squared_error_total", version=SERVED) == 2600
    assert sample(recorder, "model_outcomes_total", version=SERVED, kind="value") == 2


def test_a_business_outcome_counts_its_sum_and_squares_for_either_kind(recorder: OutcomeRecorder) -> None:
    recorder.record(Outcome(class_id(0), "business", 3), NOW)
    recorder.record(Outcome(KEYS.sign(SERVED, Kind.VALUE, NOW, 1.0), "business", 0.5), NOW)
    assert sample(recorder, "model_outcomes_business_total", version=SERVED) == 3.5
    assert sample(recorder, "model_outcomes_business_squared_total", version=SERVED) == 9.25
    assert sample(recorder, "model_outcomes_total", version=SERVED, kind="business") == 2


def test_a_version_never_served_here_is_recorded_under_its_own_label(recorder: OutcomeRecorder) -> None:
    recorder.record(Outcome(class_id(2, version=OTHER), "label", "unsure"), NOW)
    assert sample(recorder, "model_outcomes_correct_total", version=OTHER) == 1
    assert sample(recorder, "model_outcomes_correct_total", version=SERVED) == 0


def test_a_version_that_orders_the_classes_otherwise_is_judged_by_class_name(
    recorder: OutcomeRecorder,
) -> None:
    """A retrain that read the target as text sorts it otherwise: index 0 is "unsure" there, "benign" here."""
    reordered = ["unsure", "malignant", "benign"]
    recorder.record(Outcome(class_id(0, version=OTHER, classes=reordered), "label", "unsure"), NOW)
    recorder.record(Outcome(class_id(0, version=OTHER, classes=reordered), "label", "benign"), NOW)
    assert sample(recorder, "model_outcomes_correct_total", version=OTHER) == 1
    confusion = "model_outcomes_confusion_total"
    assert sample(recorder, confusion, version=OTHER, actual="unsure", predicted="unsure") == 1
    assert sample(recorder, confusion, version=OTHER, actual="benign", predicted="unsure") == 1


def test_a_version_that_spells_the_classes_as_doubles_is_judged_by_the_number() -> None:
    """The champion read the target as integers, the challenger as doubles: "1.0" is the class "1"."""
    metrics = OutcomeMetrics(CollectorRegistry())
    integers = OutcomeRecorder(metrics, KEYS, ["0", "1"])
    integers.record(Outcome(class_id(1, version=OTHER, classes=["0.0", "1.0"]), "label", 1), NOW)
    integers.record(Outcome(class_id(0, version=OTHER, classes=["0.0", "1.0"]), "label", "1"), NOW)
    assert sample(integers, "model_outcomes_correct_total", version=OTHER) == 1
    assert sample(integers, "model_outcomes_confusion_total", version=OTHER, actual="1", predicted="0") == 1
    # A model holding both "1" and "1.0" cannot tell which of the two another version's 1 means.
    both = OutcomeRecorder(OutcomeMetrics(CollectorRegistry()), KEYS, ["1", "1.0"])
    integer_one = class_id(1, version=OTHER, classes=["0", "1"])
    assert refusal(both, Outcome(integer_one, "label", "1")) == "unknown_class"
    both.record(Outcome(class_id(1, version=OTHER, classes=["1", "1.0"]), "label", "1.0"), NOW)
    assert sample(both, "model_outcomes_correct_total", version=OTHER) == 1


def forged() -> str:
    return IdKeys(SigningKey(1, bytes(32))).sign(SERVED, Kind.CLASS, NOW, 1, CLASSES)


def unknown_key() -> str:
    return IdKeys(SigningKey(9, bytes(32))).sign(SERVED, Kind.CLASS, NOW, 0, CLASSES)


def tampered() -> str:
    token = class_id(0)
    return token[:30] + ("A" if token[30] != "A" else "B") + token[31:]


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (lambda: Outcome(forged(), "label", "malignant"), "bad_signature"),
        (lambda: Outcome(tampered(), "label", "benign"), "bad_signature"),
        (lambda: Outcome(unknown_key(), "label", "benign"), "unknown_key"),
        (lambda: Outcome("x" * 56, "label", "benign"), "malformed"),
        (lambda: Outcome(class_id(0, issued_at=NOW - 31 * 86400), "label", "benign"), "expired"),
        (lambda: Outcome(class_id(0, issued_at=NOW + 3600), "label", "benign"), "future"),
        (lambda: Outcome(KEYS.sign(SERVED, Kind.VALUE, NOW, 1.0), "label", "benign"), "kind_mismatch"),
        (lambda: Outcome(class_id(0), "value", 1.0), "kind_mismatch"),
        (lambda: Outcome(class_id(0), "label", "cancer"), "unknown_label"),
        (lambda: Outcome(class_id(0, classes=["cancer"]), "label", "benign"), "unknown_class"),
        (lambda: Outcome(class_id(0), "business", -1), "malformed"),
        (lambda: Outcome(class_id(0), "business", float("inf")), "malformed"),
        (lambda: Outcome(class_id(0), "business", True), "malformed"),
        (lambda: Outcome(class_id(0), "business", 10**400), "malformed"),
        (lambda: Outcome(KEYS.sign(SERVED, Kind.VALUE, NOW, -1e300), "value", 1e300), "malformed"),
    ],
)
def test_a_refused_outcome_counts_only_as_a_rejection(
    recorder: OutcomeRecorder, outcome: Callable[[], Outcome], reason: str
) -> None:
    assert refusal(recorder, outcome()) == reason
    assert sample(recorder, "model_outcomes_rejected_total", reason=reason) == 1
    assert list(counted(recorder)) == []


def test_an_outcome_sent_twice_counts_once(recorder: OutcomeRecorder) -> None:
    token = class_id(1)
    recorder.record(Outcome(token, "label", "malignant"), NOW)
    assert refusal(recorder, Outcome(token, "label", "malignant")) == "duplicate"
    recorder.record(Outcome(token, "business", 1), NOW)  # another kind of outcome for the same prediction
    assert sample(recorder, "model_outcomes_total", version=SERVED, kind="label") == 1
    assert sample(recorder, "model_outcomes_rejected_total", reason="duplicate") == 1


def test_the_ids_remembered_are_bounded(recorder: OutcomeRecorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record, "SEEN_IDS", 3)
    tokens = [class_id(0) for _ in range(5)]
    for token in tokens:
        recorder.record(Outcome(token, "label", "benign"), NOW)
    assert len(recorder.seen) == 3
    recorder.record(Outcome(tokens[0], "label", "benign"), NOW)  # forgotten: counted again
    assert refusal(recorder, Outcome(tokens[-1], "label", "benign")) == "duplicate"


def test_the_served_version_has_its_series_before_any_outcome(recorder: OutcomeRecorder) -> None:
    registry = recorder.metrics.registry
    assert registry.get_sample_value("model_outcomes_total", {"version": SERVED, "kind": "label"}) == 0
    assert registry.get_sample_value("model_outcomes_correct_total", {"version": SERVED}) == 0
    assert registry.get_sample_value("model_outcomes_rejected_total", {"reason": "bad_signature"}) == 0


def test_many_classes_have_no_confusion() -> None:
    classes = [str(index) for index in range(21)]
    recorder = OutcomeRecorder(OutcomeMetrics(CollectorRegistry()), KEYS, classes)
    recorder.record(Outcome(class_id(3, classes=classes), "label", 3), NOW)
    assert sample(recorder, "model_outcomes_correct_total", version=SERVED) == 1
    assert not [name for name, _ in counted(recorder) if "confusion" in name]
