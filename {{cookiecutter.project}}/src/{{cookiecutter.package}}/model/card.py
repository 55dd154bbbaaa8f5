"""MODEL_CARD.md: a readable account of one trained model, written from its manifest and gate report."""

import json
from pathlib import Path
from typing import Any

from ..errors import Failure
from ..manifest import (
    CARD_FILE,
    DATA_FILE,
    EXPERIMENT_FILE,
    GateReport,
    ModelManifest,
    read_gate,
    require_manifest,
)
from .checks import markdown_table, plain
from .performance import classes_section, metrics_section, split_section


def write_card(artifacts: Path) -> Path:
    path = artifacts / CARD_FILE
    data, experiment = (read_json(artifacts / name) for name in (DATA_FILE, EXPERIMENT_FILE))
    path.write_text(render_card(require_manifest(artifacts), read_gate(artifacts), data, experiment))
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None


def render_card(
    manifest: ModelManifest,
    gate: GateReport | None,
    data: dict[str, Any] | None = None,
    experiment: dict[str, Any] | None = None,
) -> str:
    sections = [
        overview(manifest) + data_read(data),
        features_table(manifest),
        categorical_table(manifest),
        params_table(manifest),
        split_section(manifest),
        metrics_section(manifest),
        classes_section(manifest),
        onnx_section(manifest),
        gate_section(gate),
        experiment_section(experiment),
        limits(manifest),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def overview(manifest: ModelManifest) -> str:
    classes = ", ".join(manifest.classes) if manifest.classes else "none (regression)"
    versions = ", ".join(f"{name} {version}" for name, version in manifest.library_versions.items())
    estimator = (
        f"{manifest.estimator} ({manifest.estimator_class})"
        if manifest.estimator_class
        else manifest.estimator
    )
    tracking = manifest.tracking
    run = (
        f"MLflow run `{tracking.run_id}` in experiment `{tracking.experiment}`"
        if tracking
        else "not recorded"
    )
    threshold = manifest.decision_threshold
    decision = (
        [f"- Decision: `{(manifest.classes or ['', ''])[1]}` when its probability is at least {threshold:g}"]
        if threshold is not None
        else []
    )
    return "\n".join(
        [
            f"# Model card: {manifest.name} {manifest.version}",
            "",
            f"- Task: {manifest.task}, predicting `{manifest.target}`",
            f"- Estimator: {estimator}",
            f"- Classes (probability column order): {classes}",
            *decision,
            f"- Data source: {manifest.data_source}",
            f"- Data fingerprint (sha256): `{manifest.data_fingerprint}`",
            f"- Trained at: {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC",
            f"- Libraries: {versions}",
            f"- Training run: {run}",
        ]
    )


def data_read(data: dict[str, Any] | None) -> str:
    """One line on what training read from its files (data.json lists each with its version or ETag)."""
    if data is None:
        return ""
    files = data["files"]
    versions = sum(file["version"] is not None for file in files)
    pins = f"{versions} pinned to their version" if versions else "none versioned, ETags recorded"
    return (
        f"\n- Data read: {data['rows']} rows from {len(files)} {data['format']} files ({pins}; `data.json`)"
    )


def features_table(manifest: ModelManifest) -> str:
    lines = [
        "## Features",
        "",
        "Numbers, in the column order of the `input` tensor; statistics of the training split.",
        "",
        "| # | name | type | mean | std | min | median | max | missing |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for index, feature in enumerate(manifest.features):
        s = feature.summary
        median = s.quantiles[len(s.quantiles) // 2]
        lines.append(
            f"| {index} | `{feature.name}` | {feature.dtype} | {plain(s.mean)} | {plain(s.std)} "
            f"| {plain(s.min)} | {plain(median)} | {plain(s.max)} | {100 * s.missing:.1f}% |"
        )
    return "\n".join(lines)


def categorical_table(manifest: ModelManifest) -> str:
    if not manifest.categorical:
        return ""
    lines = [
        "## Categorical features",
        "",
        "In the column order of the `categorical` tensor; each category's share of the training split.",
        "Other values are accepted and encoded as unseen; a missing value is a category of its own.",
        "",
        "| # | name | values | categories | missing |",
        "|---|---|---|---|---|",
    ]
    for index, feature in enumerate(manifest.categorical):
        shares = ", ".join(
            f"{category} ({100 * share:.1f}%)"
            for category, share in zip(feature.categories, feature.shares, strict=True)
        )
        kind = f"{feature.dtype} codes" if feature.dtype != "string" else "text"
        lines.append(f"| {index} | `{feature.name}` | {kind} | {shares} | {100 * feature.missing:.1f}% |")
    return "\n".join(lines)


def params_table(manifest: ModelManifest) -> str:
    if not manifest.params:
        return ""
    lines = [
        "## Hyperparameters",
        "",
        f"Of {manifest.estimator_class}, as fitted.",
        "",
        "| parameter | value |",
    ]
    lines += ["|---|---|", *(f"| {key} | `{value!r}` |" for key, value in manifest.params.items())]
    return "\n".join(lines)


def onnx_section(manifest: ModelManifest) -> str:
    onnx = manifest.onnx
    if onnx is None:
        return "## ONNX\n\nNot exported yet: run `make export`."
    parity = onnx.parity
    return "\n".join(
        [
            "## ONNX",
            "",
            f"- File: `{onnx.file}` (opset {onnx.opset}), sha256 `{onnx.sha256}`",
            f"- Inputs: {', '.join(onnx.inputs)}",
            f"- Outputs: {', '.join(onnx.outputs)}",
            f"- Parity with scikit-learn on {parity.rows} held-out rows: "
            f"max abs diff {plain(parity.max_abs_diff)} (tolerance {plain(parity.tolerance)}), "
            f"{parity.label_mismatches} label mismatches",
        ]
    )


def gate_section(gate: GateReport | None) -> str:
    if gate is None:
        return "## Validation gate\n\nNot run yet: run `make validate`."
    verdict = "passed" if gate.passed else "FAILED"
    return f"## Validation gate ({verdict})\n\n{markdown_table(gate.checks)}"


def experiment_section(record: dict[str, Any] | None) -> str:
    """The A/B experiment's verdict, as `experiment verdict --record` wrote it (docs/experiments.md)."""
    if record is None:
        return ""
    try:
        plan, srm, (champion, challenger) = record["plan"], record["srm"], record["arms"]
        lower, upper = (shown(bound, "unbounded") for bound in record["ci"])
        arms = "; ".join(
            f"{arm['role']} `{arm['version']}` {shown(arm['estimate'])} on {arm['outcomes']} outcomes"
            for arm in (champion, challenger)
        )
        lines = [
            f"- Decision: **{record['decision']}** ({record['reason']}), {record['time']}",
            f"- {record['metric']}: {arms}",
            f"- Effect (challenger - champion): {shown(record['effect'])}, always-valid "
            f"{100 * (1 - plan['alpha']):g}% CI [{lower}, {upper}], p {plain(record['p'])}",
            f"- Sample ratio (split {plan['split']}%): anytime p {plain(srm['p_anytime'])}, "
            f"chi-square p {plain(srm['p_chi_square'])}",
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise Failure(f"{EXPERIMENT_FILE}: not a verdict record ({error!r}); record it again") from None
    return "## A/B experiment\n\n" + "\n".join(lines)


def shown(value: float | None, missing: str = "n/a") -> str:
    """A recorded number; JSON's null where there was none (no outcomes yet, an unbounded side)."""
    return missing if value is None else plain(value)


def limits(manifest: ModelManifest) -> str:
    return "\n".join(
        [
            "## Intended use and limits",
            "",
            f"- Intended for inputs like the training data from `{manifest.data_source}`; inputs outside the "
            "min/max above are extrapolation, and the service's drift statistic reports them.",
            "- Metrics come from one held-out split of a small dataset; expect variation on new data.",
            "- Not validated for decisions about individual people without human review.",
        ]
    )
