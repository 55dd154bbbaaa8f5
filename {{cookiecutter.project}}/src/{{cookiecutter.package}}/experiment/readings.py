"""What the verdict reads from Prometheus: each arm's outcome counters and its share of the split traffic,
counted since the start (see `increase`)."""

import math
import sys
from typing import NamedTuple

from ..errors import Failure
from .arms import Counters
from .prometheus import Prometheus, PrometheusError


class Series(NamedTuple):
    """A metric's counters: outcomes (model_outcomes_total of this kind), Σ metric and Σ metric²."""

    kind: str
    total: str
    squares: str


# The series of the outcomes endpoint, one per model version (docs/monitoring.md lists them all).
METRIC_SERIES = {
    "accuracy": Series("label", "model_outcomes_correct_total", "model_outcomes_correct_total"),
    "mae": Series("value", "model_outcomes_absolute_error_total", "model_outcomes_squared_error_total"),
    "business": Series("business", "model_outcomes_business_total", "model_outcomes_business_squared_total"),
}
# Requests (the unit the split randomises) routed by the split's weights only: not header-routed
# requests, nor the shadow stage's mirror.
TRAFFIC = "model_prediction_requests_total"


def selector(series: str, *matchers: str) -> str:
    """`series{a="x",b=~"y"}`, built without brace-doubled f-strings (this file is a template too)."""
    return series + "{" + ",".join(matchers) + "}"


def versions_matcher(versions: tuple[str, str]) -> str:
    """The versions, checked as hex by the command line, so that they are safe in a regex matcher."""
    return 'version=~"' + "|".join(versions) + '"'


def increase(vector: str, window_s: int) -> str:
    """Each version's growth over the window, summed over the replicas' series.

    increase() reads through counter resets (a restarted replica) but starts at a series' first sample:
    a series born during the window, as every replica's series of a version it never served is, by the
    first outcome it records, would lose everything it counted before its first scrape. Such a series
    started at zero, so its whole value is its growth. A series that existed at the start but has too
    few samples in a short window (the first look) has no increase() and must count nothing, not its
    value since its replica started: hence `(increase(v) and v offset w) or (v unless v offset w)`.
    increase() extrapolates to the window's edges, so counts are rounded.
    """
    window = f"{window_s}s"
    existing = f"(increase({vector}[{window}]) and {vector} offset {window})"
    return f"sum by (version) ({existing} or ({vector} unless {vector} offset {window}))"


def read_arms(
    prometheus: Prometheus, metric: str, versions: tuple[str, str], window_s: int, at: float
) -> tuple[Counters, Counters]:
    """Both arms' counters, in the order of `versions`; a version without outcomes yet has zeros."""
    series = METRIC_SERIES[metric]
    matcher = versions_matcher(versions)
    kind = f'kind="{series.kind}"'
    n = prometheus.by_version(increase(selector("model_outcomes_total", kind, matcher), window_s), at)
    total = prometheus.by_version(increase(selector(series.total, matcher), window_s), at)
    squares = total
    if series.squares != series.total:
        squares = prometheus.by_version(increase(selector(series.squares, matcher), window_s), at)
    return tuple(  # type: ignore[return-value]
        counters(n.get(version, 0.0), total.get(version, 0.0), squares.get(version, 0.0), metric)
        for version in versions
    )


def counters(n: float, total: float, squares: float, metric: str) -> Counters:
    outcomes = round(n)
    if metric == "accuracy":
        # Correct answers are a count too, never more than the outcomes (each extrapolated on its own).
        correct = min(round(total), outcomes)
        return Counters(outcomes, correct, correct)
    return Counters(outcomes, total, squares)


def read_traffic(
    prometheus: Prometheus, versions: tuple[str, str], window_s: int, at: float
) -> tuple[int, int]:
    query = increase(selector(TRAFFIC, 'source="split"', versions_matcher(versions)), window_s)
    rows = prometheus.by_version(query, at)
    return round(rows.get(versions[0], 0.0)), round(rows.get(versions[1], 0.0))


def class_sets(prometheus: Prometheus, versions: tuple[str, str], at: float) -> dict[str, set[str]]:
    """The class sets (model_info's `classes`) each version's replicas report. A version that is not
    scraped, or whose server is too old to say, is missing."""
    query = selector("model_info", 'sha256=~"(' + "|".join(versions) + ').*"')
    found: dict[str, set[str]] = {}
    for labels, _ in prometheus.vector(query, at):
        version, classes = labels.get("sha256", "")[:12], labels.get("classes", "")
        if version in versions and classes:
            found.setdefault(version, set()).add(classes)
    return found


def require_one_class_set(prometheus: Prometheus, versions: tuple[str, str], at: float) -> None:
    """Accuracies compare only between versions that predict the same classes: a replica refuses the
    outcomes whose truth is a class its model lacks, and those are the other version's wrong answers."""
    found = class_sets(prometheus, versions, at)
    if len(found) < 2:
        missing = ", ".join(version for version in versions if version not in found)
        print(f"warning: model_info does not say the classes of {missing}; not compared", file=sys.stderr)
    elif any(len(sets) > 1 for sets in found.values()):
        sets = "; ".join(f"{version}: {', '.join(sorted(found[version]))}" for version in sorted(found))
        raise Failure(f"the replicas of one version report more than one class set ({sets})")
    elif found[versions[0]] != found[versions[1]]:
        raise Failure(
            f"champion {versions[0]} and challenger {versions[1]} predict other sets of classes: their"
            " accuracies do not compare (docs/experiments.md)"
        )


def version_of_pod_hash(prometheus: Prometheus, pod_hash: str, at: float) -> str:
    """The model version the pods of a ReplicaSet serve: `model_info`'s sha256, first 12 characters."""
    query = selector("model_info", f'rollouts_pod_template_hash="{pod_hash}"')
    versions = {labels.get("sha256", "")[:12] for labels, _ in prometheus.vector(query, at)} - {""}
    if len(versions) != 1:
        found = ", ".join(sorted(versions)) or "none"
        raise PrometheusError(f"{query}: expected the sha256 of one model, found {found}")
    return versions.pop()


def window_seconds(elapsed_s: float) -> int:
    """The range of increase(): whole seconds since the start, at least one."""
    return max(1, math.ceil(elapsed_s))
