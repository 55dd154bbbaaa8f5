"""Batch scoring against pandas + scikit-learn on the same file: rows per second and peak memory.

The input is drawn from the manifest's training summaries (numbers between the deciles, categories by
their shares, each with training's share of missing values), so every kind of feature does real work.
Each side runs in its own process, and its peak resident memory comes from the kernel (wait4).
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .servers import ROOT, package_name

CHUNK_ROWS = 65_536


def write_input(manifest: dict[str, Any], path: Path, rows: int, seed: int = 0) -> None:
    """`rows` rows like the training data, written in row groups so neither side gets a single block."""
    generator = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    for start in range(0, rows, CHUNK_ROWS):
        table = _chunk(manifest, min(CHUNK_ROWS, rows - start), generator)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None, "rows must be positive"
    writer.close()


def _chunk(manifest: dict[str, Any], count: int, generator: np.random.Generator) -> pa.Table:
    columns: dict[str, Any] = {}
    for feature in manifest["features"]:
        summary = feature["summary"]
        values = np.interp(generator.random(count), np.linspace(0, 1, 11), summary["quantiles"])
        values[generator.random(count) < summary.get("missing", 0.0)] = np.nan
        columns[feature["name"]] = pa.array(values, from_pandas=True)
    for feature in manifest.get("categorical", []):
        known = [*feature["categories"], None]
        shares = np.array([*feature["shares"], feature["missing"]])
        picks = generator.choice(len(known), size=count, p=shares / shares.sum())
        columns[feature["name"]] = pa.array([known[pick] for pick in picks], pa.string())
    return pa.table(columns)


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one process, measured by the kernel for that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed with exit code {process.returncode}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def measure(artifacts: Path, manifest: dict[str, Any], rows: int, work: Path) -> dict[str, Any]:
    source = work / "batch-input.parquet"
    write_input(manifest, source, rows)
    env = {**os.environ, "APP_MODEL_DIR": str(artifacts.resolve())}
    package = package_name()
    score = [
        sys.executable,
        "-m",
        package,
        "score",
        "--input",
        str(source),
        "--output",
        str(work / "scored.parquet"),
    ]
    baseline = [
        sys.executable,
        "-m",
        "benchmarks.sklearn_batch",
        str(artifacts),
        str(source),
        str(work / "sk.parquet"),
    ]
    ours_s, ours_rss = run_measured(score, env)
    theirs_s, theirs_rss = run_measured(baseline, env)
    threads = os.environ.get("APP_INTRA_OP_THREADS", "1 (the default for one worker)")
    return {
        "rows": rows,
        "score": {
            "rows_per_s": round(rows / ours_s),
            "seconds": round(ours_s, 2),
            "peak_rss_mib": round(ours_rss),
        },
        "pandas_sklearn": {
            "rows_per_s": round(rows / theirs_s),
            "seconds": round(theirs_s, 2),
            "peak_rss_mib": round(theirs_rss),
        },
        "speedup": round(theirs_s / ours_s, 2),
        "memory_ratio": round(ours_rss / theirs_rss, 2),
        "onnxruntime_threads": threads,
    }


def table(result: dict[str, Any]) -> str:
    ours, theirs = result["score"], result["pandas_sklearn"]
    return "\n".join(
        [
            f"batch scoring, {result['rows']:,} rows (Parquet in, Parquet out):",
            f"  score          {ours['rows_per_s']:>10,} rows/s  peak RSS {ours['peak_rss_mib']:>5} MiB",
            f"  pandas+sklearn {theirs['rows_per_s']:>10,} rows/s  peak RSS {theirs['peak_rss_mib']:>5} MiB",
            f"  score is {result['speedup']}x as fast in {result['memory_ratio']}x the memory",
        ]
    )
