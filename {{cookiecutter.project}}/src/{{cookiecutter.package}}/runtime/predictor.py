"""Loads the ONNX model once, verifies it against the manifest, and runs onnxruntime."""

import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnxruntime as ort
from pydantic import ValidationError

from ..errors import first_line
from ..manifest import MANIFEST_FILE, ModelManifest, manifest_digest
from .graph import signature_problems

log = logging.getLogger(__name__)

Outputs = dict[str, np.ndarray]


class FileLimits(NamedTuple):
    """The most bytes the model and its manifest may take (APP_MAX_MODEL_BYTES, APP_MAX_MANIFEST_BYTES)."""

    model: int = 256 << 20
    manifest: int = 16 << 20


DEFAULT_LIMITS = FileLimits()


class ModelLoadError(Exception):
    """The model cannot be served.

    `reason` is what /readyz and refused requests show: no paths, no library text. The detail,
    which has both, goes to the one log line.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass
class Predictor:
    """The model, loaded once the manifest's digest, the model's sha256 and its inputs and outputs all
    agree with the manifest; until then `problem` says why not."""

    manifest: ModelManifest | None = None
    session: ort.InferenceSession | None = None
    # What clients may read (no paths, no library text), and the whole story for operators.
    problem: str = "model not loaded yet"
    detail: str = "model not loaded yet"
    output_names: list[str] = field(default_factory=list)

    def load(
        self,
        model_dir: Path,
        intra_op_threads: int,
        inter_op_threads: int,
        limits: FileLimits = DEFAULT_LIMITS,
    ) -> None:
        """Load and verify; on failure stay not ready, with `problem` and `detail` saying why. The caller
        reports it as its users need: the server in one log line, batch scoring in its one error line."""
        try:
            manifest, model_bytes = _read_verified(model_dir, limits)
            session = _open_session(model_bytes, intra_op_threads, inter_op_threads)
            problems = signature_problems(session, manifest)
            if problems:
                raise ModelLoadError("model does not match its manifest", "; ".join(problems))
        except ModelLoadError as error:
            self.problem, self.detail = error.reason, str(error)
            return
        self.manifest, self.session = manifest, session
        self.output_names = [output.name for output in self.session.get_outputs()]
        self.problem = self.detail = ""
        log.info("model ready", extra={"model_version": self.manifest.version, "model_dir": str(model_dir)})

    def run(self, feed: dict[str, np.ndarray], outputs: list[str] | None = None) -> Outputs:
        """Run the model on checked input tensors (see columns.py); returns the named ONNX outputs."""
        assert self.session is not None, "run() called before a successful load()"
        names = outputs or self.output_names
        return dict(zip(names, self.session.run(names, feed), strict=True))


def _read_verified(model_dir: Path, limits: FileLimits) -> tuple[ModelManifest, bytes]:
    """The manifest, checked against its digest, and the model bytes, checked against the manifest."""
    path = model_dir / MANIFEST_FILE
    try:
        document = json.loads(read_file(path, limits.manifest, "APP_MAX_MANIFEST_BYTES"))
        manifest = ModelManifest.model_validate(document)
    except FileNotFoundError:
        raise ModelLoadError("model files are missing: run `make model`", f"{path} does not exist") from None
    except (ValidationError, ValueError) as error:
        raise ModelLoadError("model files are unreadable", f"{path}: {first_line(error)}") from None
    if manifest.digest != manifest_digest(document):
        raise ModelLoadError("model manifest was edited after export", f"{path} does not match its digest")
    if manifest.onnx is None:
        raise ModelLoadError(
            "model was not exported: run `make model`", f"{path} has no onnx section; run `make model`"
        )
    name = manifest.onnx.file
    if name in ("", ".", "..") or Path(name).name != name or "\\" in name:
        detail = f"{path}: onnx.file {name[:80]!r} must name a file in the model directory"
        raise ModelLoadError("model manifest names a file outside its directory", detail)
    return manifest, _read_model(model_dir / name, manifest.onnx.sha256, limits.model)


def read_file(path: Path, limit: int, setting: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. The open cannot block (a FIFO), and a
    device, a directory or a larger file is refused before any byte is read: ModelLoadError, or
    FileNotFoundError when there is no such file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise ModelLoadError("model files are unreadable", f"{path}: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ModelLoadError("model files are unreadable", f"{path} is not a regular file")
        if info.st_size > limit:
            detail = f"{path} holds {info.st_size} bytes; {setting} allows {limit}"
            raise ModelLoadError("model files are larger than the limit", detail)
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ModelLoadError("model files are larger than the limit", f"{path} grew past {limit} bytes")
    return data


def _read_model(path: Path, sha256: str, limit: int) -> bytes:
    try:
        model_bytes = read_file(path, limit, "APP_MAX_MODEL_BYTES")
    except FileNotFoundError:
        raise ModelLoadError("model files are unreadable", f"{path}: No such file or directory") from None
    # Hash the bytes we load, not the file again, so the verified model is the one served.
    actual = hashlib.sha256(model_bytes).hexdigest()
    if actual != sha256:
        detail = f"{path} has sha256 {actual}; the manifest expects {sha256}"
        raise ModelLoadError("model file does not match its manifest", detail)
    return model_bytes


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
        raise ModelLoadError("model file is not a valid ONNX model", first_line(error)) from None
