"""The validation gate: checks a model must pass before it may ship; writes gate.json and a table."""

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import registry
from ..errors import CliError
from ..manifest import (
    GATE_FILE,
    MANIFEST_FILE,
    ModelManifest,
    manifest_digest,
    require_manifest,
    sha256_file,
)
from .config import GateConfig
from .holdout import read_holdout

LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae"})
# Enough single-row runs for a stable p99 while keeping the gate under a second for small models.
LATENCY_WARMUP_RUNS = 20
LATENCY_RUNS = 500


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    threshold: str
    passed: bool


def run_gate(
    artifacts: Path, config: GateConfig, champion: str | None = None, tracking_uri: str | None = None
) -> int:
    """Print the report and write gate.json; the exit code is 1 when any check failed."""
    checks = evaluate(artifacts, config, champion, tracking_uri)
    passed = all(check.passed for check in checks)
    report = {"passed": passed, "checks": [asdict(check) for check in checks]}
    (artifacts / GATE_FILE).write_text(json.dumps(report, indent=2) + "\n")
    print(format_table(checks))
    print(f"gate {'PASSED' if passed else 'FAILED'}: {sum(c.passed for c in checks)}/{len(checks)} checks")
    return 0 if passed else 1


def evaluate(
    artifacts: Path, config: GateConfig, champion: str | None, tracking_uri: str | None = None
) -> list[Check]:
    manifest = require_manifest(artifacts)
    checks = quality_checks(manifest.metrics, config)
    checks += onnx_checks(artifacts, manifest, config.latency_budget_ms)
    if champion is not None:
        checks += against_champion(manifest.metrics, champion, tracking_uri, config.champion_tolerance)
    return checks


def quality_checks(metrics: dict[str, float], config: GateConfig) -> list[Check]:
    checks = []
    for name, floor in config.minimum.items():
        value = metrics.get(name)
        checks.append(Check(f"{name} minimum", value, f">= {floor:g}", value is not None and value >= floor))
    for name, ceiling in config.maximum.items():
        value = metrics.get(name)
        checks.append(
            Check(f"{name} maximum", value, f"<= {ceiling:g}", value is not None and value <= ceiling)
        )
    return checks


def _digest_matches(artifacts: Path) -> bool:
    document = json.loads((artifacts / MANIFEST_FILE).read_text())
    return bool(document.get("digest") == manifest_digest(document))


def onnx_checks(artifacts: Path, manifest: ModelManifest, budget_ms: float) -> list[Check]:
    onnx = manifest.onnx
    if onnx is None:
        return [Check("onnx exported", None, "export has run", False)]
    path = artifacts / onnx.file
    if not path.is_file():
        return [Check("onnx file present", None, str(path), False)]
    parity = onnx.parity
    within = parity.max_abs_diff <= parity.tolerance
    checks = [
        Check("onnx parity", parity.max_abs_diff, f"<= {parity.tolerance:g}", within),
        Check("onnx sha256", None, "matches manifest", sha256_file(path) == onnx.sha256),
        Check("manifest digest", None, "matches its content", _digest_matches(artifacts)),
    ]
    if not (checks[-2].passed and checks[-1].passed):
        # A file that is not the exported model is not worth timing, and may not even load.
        return checks
    p99 = latency_p99_ms(path, read_holdout(artifacts).feeds(slice(0, 1)))
    return [*checks, Check("latency p99 ms", p99, f"<= {budget_ms:g}", p99 <= budget_ms)]


def latency_p99_ms(model: Path, row: dict[str, Any]) -> float:
    """p99 of single-row predictions on one thread, as one serving worker runs them."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    for _ in range(LATENCY_WARMUP_RUNS):
        session.run(None, row)
    timings = np.empty(LATENCY_RUNS)
    for index in range(LATENCY_RUNS):
        start = time.perf_counter()
        session.run(None, row)
        timings[index] = time.perf_counter() - start
    return float(np.percentile(timings, 99) * 1000)


def against_champion(
    metrics: dict[str, float], champion: str, tracking_uri: str | None, tolerance: float
) -> list[Check]:
    """Compare with a manifest.json or metrics.json, or with the registered version a models:/ URI names."""
    ref = registry.parse_model_uri(champion)
    if ref is None:
        return champion_checks(metrics, read_champion(Path(champion)), tolerance)
    best = registered_metrics(ref, tracking_uri)
    if best is None:
        # The first model of a project has no production version to beat.
        return [Check("champion", None, f"none registered as {ref}", True)]
    shared = {name: value for name, value in best.items() if name in metrics}
    if not shared:
        return [Check("champion metrics", None, f"{ref} recorded none of {sorted(metrics)}", False)]
    return champion_checks(metrics, shared, tolerance)


def registered_metrics(ref: registry.ModelRef, tracking_uri: str | None) -> dict[str, float] | None:
    """The metrics logged by the run behind a registered version; None when no version matches."""
    client = registry.connect(tracking_uri)
    version = registry.find_version(client, ref)
    if version is None:
        return None
    if not version.run_id:
        return {}
    return {str(name): float(value) for name, value in client.get_run(version.run_id).data.metrics.items()}


def read_champion(path: Path) -> dict[str, float]:
    """Metrics of the production model from its manifest.json or metrics.json."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CliError(f"{path}: cannot read champion metrics: {error}") from None
    metrics = data.get("metrics", data) if isinstance(data, dict) else None
    if not isinstance(metrics, dict) or not all(isinstance(v, int | float) for v in metrics.values()):
        raise CliError(f"{path}: expected a manifest.json or a metrics.json with numeric metrics")
    return {str(name): float(value) for name, value in metrics.items()}


def champion_checks(metrics: dict[str, float], champion: dict[str, float], tolerance: float) -> list[Check]:
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
        checks.append(Check(f"{name} vs champion", value, f"{relation} {limit:.4g} ({best:.4g})", passed))
    return checks


def format_table(checks: list[Check]) -> str:
    rows = [("check", "value", "threshold", "result")]
    for check in checks:
        value = "-" if check.value is None else f"{check.value:.4g}"
        rows.append((check.name, value, check.threshold, "PASS" if check.passed else "FAIL"))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
