"""Training: load the data, fit the pipeline, score it; the files it leaves for export and the gate."""

from pathlib import Path

from ..errors import CliError
from ..manifest import ModelManifest, read_manifest

PIPELINE_FILE = "model.joblib"
HOLDOUT_FILE = "holdout.npz"
METRICS_FILE = "metrics.json"


def require_manifest(artifacts: Path) -> ModelManifest:
    """The manifest of an artifacts directory, or a CliError saying which step to run first."""
    try:
        return read_manifest(artifacts)
    except FileNotFoundError:
        raise CliError(f"{artifacts}: no manifest.json; run train first") from None
