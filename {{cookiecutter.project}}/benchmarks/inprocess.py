"""What the HTTP layer adds to: onnxruntime timed in process, and the size of the serving environment."""

import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .servers import ROOT


def onnx_timing(model: Path, feed: dict[str, np.ndarray], repeats: int) -> dict[str, float]:
    """p50/p99 of session.run in milliseconds, one thread, as each server worker runs it."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    for _ in range(min(repeats, 100)):
        session.run(None, feed)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        session.run(None, feed)
        samples.append(time.perf_counter() - started)
    p50, p99 = np.percentile(samples, [50, 99]) * 1000
    return {"p50_ms": round(float(p50), 4), "p99_ms": round(float(p99), 4)}


def site_packages_mib(extra: list[str]) -> float:
    """Size of a fresh venv holding the serving dependencies plus `extra` (uses uv's cache)."""
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("error: --sizes needs uv on PATH")
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    with tempfile.TemporaryDirectory() as directory:
        venv = Path(directory) / "venv"
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), *dependencies, *extra], check=True
        )
        site = next(venv.glob("lib/python*/site-packages"))
        size = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    return round(size / 2**20, 1)
