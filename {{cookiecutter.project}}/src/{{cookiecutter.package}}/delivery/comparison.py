"""The text of a retrain pull request: what model.lock now pins, its metrics beside production's (as the
model card reports them), and the card itself."""

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import registry
from ..lock import ModelLock
from ..manifest import CARD_FILE

if TYPE_CHECKING:
    from mlflow import MlflowClient

# GitHub refuses a pull request body over 65,536 characters.
MAX_CARD_CHARS = 50_000
# Run metrics that describe the check rather than the model's quality.
NOT_QUALITY = ("baseline_", "onnx_parity")


def compared_with(
    client: "MlflowClient", lock: ModelLock, pinned: ModelLock | None
) -> tuple[str, str] | None:
    """(label, run id) of what the candidate replaces: production's version, else the one pinned today."""
    production = registry.find_version(client, registry.ModelRef(lock.name, alias="production"))
    if production is not None and production.run_id:
        return f"version {production.version} (production)", str(production.run_id)
    if pinned is not None:
        return f"version {pinned.version} (model.lock today)", pinned.run_id
    return None


def metrics_table(client: "MlflowClient", lock: ModelLock, pinned: ModelLock | None) -> str:
    ours = client.get_run(lock.run_id).data.metrics
    shown = sorted(name for name in ours if not name.startswith(NOT_QUALITY))
    other = compared_with(client, lock, pinned)
    theirs = client.get_run(other[1]).data.metrics if other else {}
    label = other[0] if other else "none in production yet"
    lines = [f"| metric | version {lock.version} (candidate) | {label} | change |", "|---|---|---|---|"]
    for name in shown:
        before = theirs.get(name)
        change = f"{ours[name] - before:+.4f}" if before is not None else "-"
        shown_before = f"{before:.4f}" if before is not None else "-"
        lines.append(f"| {name} | {ours[name]:.4f} | {shown_before} | {change} |")
    return "\n".join(lines)


def model_card(client: "MlflowClient", lock: ModelLock) -> str:
    from mlflow.exceptions import MlflowException

    with tempfile.TemporaryDirectory() as scratch:
        try:
            path = client.download_artifacts(lock.run_id, f"{registry.ARTIFACT_PATH}/{CARD_FILE}", scratch)
            text = Path(path).read_text()
        except (OSError, MlflowException):
            return "(the run has no model card)"
    return text if len(text) <= MAX_CARD_CHARS else text[:MAX_CARD_CHARS] + "\n\n(cut short)"


def pull_request_body(client: "MlflowClient", lock: ModelLock, pinned: ModelLock | None) -> str:
    return "\n".join(
        [
            f"`model.lock` pins **{lock.name} version {lock.version}** (run `{lock.run_id}`, `model.onnx` "
            f"sha256 `{lock.sha256}`), which passed its gate. Merging this pull request ships it: deliver "
            "downloads this version from the tracking server, refuses it unless its sha256 matches, and "
            "builds the image from it, without training.",
            "",
            metrics_table(client, lock, pinned),
            "",
            "Lower is better for log_loss, rmse, mae and latency; higher for the others.",
            "",
            "<details><summary>Model card</summary>",
            "",
            model_card(client, lock),
            "",
            "</details>",
            "",
        ]
    )
