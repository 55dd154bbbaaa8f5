"""Loads the ONNX model once, verifies it against the manifest, and runs onnxruntime."""

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
from pydantic import ValidationError

from ..manifest import MANIFEST_FILE, ONNX_INPUT, ModelManifest, read_manifest

log = logging.getLogger(__name__)

Outputs = dict[str, np.ndarray]


class ModelLoadError(Exception):
    """The model cannot be served; the message is the one log line that says why."""


@dataclass
class Predictor:
    """The model and its ready flag: ready only once the file is loaded and its sha256 verified."""

    manifest: ModelManifest | None = None
    session: ort.InferenceSession | None = None
    problem: str = "model not loaded yet"
    draining: bool = False
    output_names: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.session is not None and not self.draining

    def load(self, model_dir: Path, intra_op_threads: int, inter_op_threads: int) -> None:
        """Load and verify; on failure log one error line and stay not ready (liveness is unaffected)."""
        try:
            self.manifest, model_bytes = _read_verified(model_dir)
            self.session = _open_session(model_bytes, intra_op_threads, inter_op_threads)
        except ModelLoadError as error:
            self.problem = str(error)
            log.error("model not ready: %s", error)
            return
        self.output_names = [output.name for output in self.session.get_outputs()]
        self.problem = ""
        log.info("model ready", extra={"model_version": self.manifest.version, "model_dir": str(model_dir)})

    def run(self, rows: np.ndarray, outputs: list[str] | None = None) -> Outputs:
        """Run the model on a float32 [n, features] array; returns the named ONNX outputs."""
        assert self.session is not None, "run() called before a successful load()"
        names = outputs or self.output_names
        return dict(zip(names, self.session.run(names, {ONNX_INPUT: rows}), strict=True))


def _read_verified(model_dir: Path) -> tuple[ModelManifest, bytes]:
    try:
        manifest = read_manifest(model_dir)
    except FileNotFoundError:
        raise ModelLoadError(f"{model_dir / MANIFEST_FILE} is missing") from None
    except (OSError, ValidationError, ValueError) as error:
        raise ModelLoadError(f"{model_dir / MANIFEST_FILE} is unreadable: {_first_line(error)}") from None
    if manifest.onnx is None:
        raise ModelLoadError(f"{model_dir / MANIFEST_FILE} has no onnx section; run export first")
    path = model_dir / manifest.onnx.file
    try:
        model_bytes = path.read_bytes()
    except OSError as error:
        raise ModelLoadError(f"{path} is unreadable: {error.strerror or error}") from None
    # Hash the bytes we load, not the file again, so the verified model is the one served.
    actual = hashlib.sha256(model_bytes).hexdigest()
    if actual != manifest.onnx.sha256:
        raise ModelLoadError(f"{path} has sha256 {actual} but the manifest expects {manifest.onnx.sha256}")
    return manifest, model_bytes


def _open_session(model_bytes: bytes, intra_op_threads: int, inter_op_threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = inter_op_threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle onnxruntime threads spin by default, stealing the CPU that parses the next request.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    # The arena pre-allocates megabytes that exported scikit-learn graphs never need.
    options.enable_cpu_mem_arena = False
    try:
        return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises several undocumented types for a bad file
        raise ModelLoadError(f"model file is not a valid ONNX model: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
