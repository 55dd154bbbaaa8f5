"""The champion check: a new model may not be worse than the one it replaces, beyond a tolerance."""

import json
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import Failure
from ..manifest import CheckKind, GateCheck, ModelManifest
from .checks import plain
from .metrics import LOWER_IS_BETTER


def against_champion(
    manifest: ModelManifest, champion: str, tracking_uri: str | None, tolerance: float
) -> list[GateCheck]:
    """Compare with a manifest.json or metrics.json, or with the registered version a models:/ URI names."""
    metrics = manifest.metrics
    ref = registry.parse_model_uri(champion)
    if ref is None:
        document = read_champion(Path(champion))
        if (other := other_model(document, manifest)) is not None:
            return [not_compared(f"{champion} {other}; not compared")]
        return champion_checks(metrics, metrics_of(document), tolerance)
    best = registered_metrics(ref, tracking_uri)
    if best is None:
        # The first model of a project has no production version to beat.
        return [not_compared(f"none registered as {ref}")]
    shared = {name: value for name, value in best.items() if name in metrics}
    if not shared:
        unrecorded = f"{ref} recorded none of {sorted(metrics)}"
        return [GateCheck(kind=CheckKind.CHAMPION_METRICS, value=None, threshold=unrecorded, passed=False)]
    return champion_checks(metrics, shared, tolerance)


def not_compared(reason: str) -> GateCheck:
    """A champion that does not compare passes, saying why."""
    return GateCheck(kind=CheckKind.CHAMPION, value=None, threshold=reason, passed=True)


def other_model(document: dict[str, Any], manifest: ModelManifest) -> str | None:
    """How a champion's manifest predicts something else (its metrics do not compare); None when alike."""
    for key in ("task", "target"):
        theirs = document.get(key)
        if theirs is not None and theirs != getattr(manifest, key):
            return f"has {key} {theirs!r}, this model {getattr(manifest, key)!r}"
    return None


def registered_metrics(ref: registry.ModelRef, tracking_uri: str | None) -> dict[str, float] | None:
    """The metrics logged by the run behind a registered version; None when no version matches."""
    client = registry.connect(tracking_uri)
    version = registry.find_version(client, ref)
    if version is None:
        return None
    if not version.run_id:
        return {}
    return {str(name): float(value) for name, value in client.get_run(version.run_id).data.metrics.items()}


def read_champion(path: Path) -> dict[str, Any]:
    """The production model's manifest.json, or its metrics.json."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise Failure(f"{path}: cannot read champion metrics: {error}") from None
    if not isinstance(data, dict):
        raise Failure(f"{path}: expected a manifest.json or a metrics.json with numeric metrics")
    metrics_of(data, path)
    return data


def metrics_of(document: dict[str, Any], path: Path | None = None) -> dict[str, float]:
    metrics = document.get("metrics", document)
    if not isinstance(metrics, dict) or not all(isinstance(v, int | float) for v in metrics.values()):
        raise Failure(f"{path}: expected a manifest.json or a metrics.json with numeric metrics")
    return {str(name): float(value) for name, value in metrics.items()}


def champion_checks(
    metrics: dict[str, float], champion: dict[str, float], tolerance: float
) -> list[GateCheck]:
    """Direction-aware: each metric may be worse than production by `tolerance` of its value."""
    checks = []
    for name, best in sorted(champion.items()):
        value = metrics.get(name)
        slack = tolerance * abs(best)
        if name in LOWER_IS_BETTER:
            limit, relation = best + slack, "<="
            passed = value is not None and value <= limit
        else:
            limit, relation = best - slack, ">="
            passed = value is not None and value >= limit
        threshold = f"{relation} {plain(limit)} (champion {plain(best)})"
        kind = CheckKind.VS_CHAMPION
        checks.append(GateCheck(kind=kind, metric=name, value=value, threshold=threshold, passed=passed))
    return checks
