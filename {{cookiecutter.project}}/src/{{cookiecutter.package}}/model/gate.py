"""The validation gate: checks a model must pass before it may ship; writes gate.json and prints a table."""

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..manifest import (
    GATE_FILE,
    MANIFEST_FILE,
    CheckKind,
    GateCheck,
    GateReport,
    ModelManifest,
    manifest_digest,
    require_manifest,
    sha256_file,
)
from .champion import against_champion
from .checks import format_table, plain
from .config import GateConfig
from .holdout import read_holdout
from .metrics import LOWER_IS_BETTER, skill_limit

# Enough single-row runs for a stable p99 while keeping the gate under a second for small models.
LATENCY_WARMUP_RUNS = 20
LATENCY_RUNS = 500


def run_gate(
    artifacts: Path, config: GateConfig, champion: str | None = None, tracking_uri: str | None = None
) -> int:
    """Print the report and write gate.json; the exit code is 1 when any check failed."""
    manifest = require_manifest(artifacts)
    config.check_task(manifest.task)
    print(provenance(manifest, config))
    checks = run_checks(artifacts, config, champion, tracking_uri)
    report = GateReport(passed=all(check.passed for check in checks), checks=checks)
    (artifacts / GATE_FILE).write_text(report.model_dump_json(indent=2) + "\n")
    print(format_table(checks))
    verdict = "PASSED" if report.passed else "FAILED"
    print(f"gate {verdict}: {sum(check.passed for check in checks)}/{len(checks)} checks")
    return 0 if report.passed else 1


def provenance(manifest: ModelManifest, config: GateConfig) -> str:
    """Where the gate's numbers come from, in one line."""
    skills = ", ".join(f"{name} {skill:g}" for name, skill in config.skills(manifest.task).items())
    origin = (
        f"the template's default for {manifest.task} models"
        if config.beat_baseline is None
        else "model.toml [gate] beat_baseline"
    )
    absolute = "and model.toml's minimum/maximum" if config.minimum or config.maximum else "and no absolute"
    return (
        f"gate: beat {baseline_name(manifest)} by a share of the way to a perfect score ({skills}: {origin}) "
        f"{absolute} thresholds; set [gate] in model.toml to choose"
    )


def baseline_name(manifest: ModelManifest) -> str:
    evaluation = manifest.evaluation
    if manifest.classes is None or evaluation is None or not evaluation.train.classes:
        return "the baseline (the training mean)"
    counts = evaluation.train.classes
    return f"the baseline (always the majority class {manifest.classes[counts.index(max(counts))]!r})"


def run_checks(
    artifacts: Path, config: GateConfig, champion: str | None, tracking_uri: str | None = None
) -> list[GateCheck]:
    """Every check of the gate, in the order the report lists them."""
    manifest = require_manifest(artifacts)
    checks = baseline_checks(manifest, config.skills(manifest.task))
    checks += quality_checks(manifest.metrics, config)
    checks += onnx_checks(artifacts, manifest, config.latency_budget_ms)
    if champion is not None:
        checks += against_champion(manifest, champion, tracking_uri, config.champion_tolerance)
    return checks


def baseline_checks(manifest: ModelManifest, skills: dict[str, float]) -> list[GateCheck]:
    """Each metric must go `skill` of the way from the baseline's value to a perfect score."""
    checks = []
    for name, skill in skills.items():
        value, base = manifest.metrics.get(name), manifest.baseline.get(name)
        if base is None:
            threshold, better = "no baseline recorded: train again", False
        else:
            limit = skill_limit(name, base, skill)
            better = value is not None and (value <= limit if name in LOWER_IS_BETTER else value >= limit)
            relation = "<=" if name in LOWER_IS_BETTER else ">="
            threshold = f"{relation} {plain(limit)} (baseline {plain(base)}, skill {skill:g})"
        kind = CheckKind.VS_BASELINE
        checks.append(GateCheck(kind=kind, metric=name, value=value, threshold=threshold, passed=better))
    return checks


def quality_checks(metrics: dict[str, float], config: GateConfig) -> list[GateCheck]:
    checks = []
    for name, floor in config.minimum.items():
        value = metrics.get(name)
        passed = value is not None and value >= floor
        threshold = f">= {floor:g}"
        checks.append(
            GateCheck(kind=CheckKind.MINIMUM, metric=name, value=value, threshold=threshold, passed=passed)
        )
    for name, ceiling in config.maximum.items():
        value = metrics.get(name)
        passed = value is not None and value <= ceiling
        threshold = f"<= {ceiling:g}"
        checks.append(
            GateCheck(kind=CheckKind.MAXIMUM, metric=name, value=value, threshold=threshold, passed=passed)
        )
    return checks


def _digest_matches(artifacts: Path) -> bool:
    document = json.loads((artifacts / MANIFEST_FILE).read_text())
    return bool(document.get("digest") == manifest_digest(document))


def onnx_checks(artifacts: Path, manifest: ModelManifest, budget_ms: float) -> list[GateCheck]:
    onnx = manifest.onnx
    if onnx is None:
        return [GateCheck(kind=CheckKind.ONNX_EXPORTED, value=None, threshold="export has run", passed=False)]
    path = artifacts / onnx.file
    if not path.is_file():
        return [GateCheck(kind=CheckKind.ONNX_FILE, value=None, threshold=str(path), passed=False)]
    parity = onnx.parity
    checks = [
        GateCheck(
            kind=CheckKind.ONNX_PARITY,
            value=parity.max_abs_diff,
            threshold=f"<= {parity.tolerance:g}",
            passed=parity.max_abs_diff <= parity.tolerance,
        ),
        GateCheck(
            kind=CheckKind.ONNX_SHA256,
            value=None,
            threshold="matches manifest",
            passed=sha256_file(path) == onnx.sha256,
        ),
        GateCheck(
            kind=CheckKind.MANIFEST_DIGEST,
            value=None,
            threshold="matches its content",
            passed=_digest_matches(artifacts),
        ),
    ]
    if not (checks[-2].passed and checks[-1].passed):
        # A file that is not the exported model is not worth timing, and may not even load.
        return checks
    p99 = latency_p99_ms(path, read_holdout(artifacts).feeds(slice(0, 1)))
    latency = GateCheck(
        kind=CheckKind.LATENCY_P99_MS, value=p99, threshold=f"<= {budget_ms:g}", passed=p99 <= budget_ms
    )
    return [*checks, latency]


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
