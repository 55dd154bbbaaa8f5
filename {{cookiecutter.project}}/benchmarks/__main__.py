"""python -m benchmarks --artifacts DIR --out build/bench.json [--seconds 5] [--workers 1] [--sizes]

After the table of one worker (--workers), single rows again with --also-workers (2) workers: the
case where every kept-alive answer once waited 43 ms for a delayed ACK."""

import argparse
import json
import socket
from pathlib import Path
from typing import Any

import numpy as np

from . import batch, inprocess, load, report, servers

CONCURRENCIES = [1, 16, 64]
BATCH = 64


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_rows(manifest: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Rows spread across each number's training range and each feature's categories, so the model
    does real work."""
    rows = []
    for index in range(count):
        share = (index + 1) / (count + 1)
        row: dict[str, Any] = {
            f["name"]: f["summary"]["min"] + share * (f["summary"]["max"] - f["summary"]["min"])
            for f in manifest["features"]
        }
        for feature in manifest.get("categorical", []):
            known = feature["categories"] or [""]
            row[feature["name"]] = known[index % len(known)]
        rows.append(row)
    return rows


def feed(manifest: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The ONNX inputs of rows: numbers as float32, categories as strings; only those the model has."""
    numeric = [f["name"] for f in manifest["features"]]
    categorical = [f["name"] for f in manifest.get("categorical", [])]
    tensors = {"input": np.array([[row[n] for n in numeric] for row in rows], np.float32)} if numeric else {}
    if categorical:
        tensors["categorical"] = np.array([[row[n] for n in categorical] for row in rows], dtype=object)
    return tensors


def bodies(manifest: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, bytes]:
    tensors = [
        {
            "name": name,
            "datatype": "FP32" if name == "input" else "BYTES",
            "shape": list(values.shape),
            "data": values.tolist(),
        }
        for name, values in feed(manifest, rows).items()
    ]
    return {
        "predict": json.dumps(rows[0] if len(rows) == 1 else {"rows": rows}).encode(),
        "oip": json.dumps({"inputs": tensors}).encode(),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--artifacts", type=Path, required=True, help="Directory with model.onnx and manifest.json"
    )
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"))
    parser.add_argument("--seconds", type=int, default=3, help="Duration of each wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Runs of each cell, taken in turn with the floor; medians count"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers, for both servers")
    parser.add_argument(
        "--also-workers", type=int, default=2, help="Single rows again with this many workers (0: skip)"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=CONCURRENCIES)
    parser.add_argument(
        "--sizes", action="store_true", help="Also build venvs to compare site-packages sizes"
    )
    parser.add_argument(
        "--batch-rows", type=int, default=1_000_000, help="Rows for the batch scoring run (0: skip it)"
    )
    parser.add_argument("--batch-only", action="store_true", help="Only the batch scoring run; needs no wrk")
    return parser.parse_args()


def measure(
    args: argparse.Namespace,
    manifest: dict[str, Any],
    workers: int,
    payloads: tuple[tuple[str, int], ...] = (("single", 1), ("batch64", BATCH)),
    concurrencies: list[int] | None = None,
) -> dict[str, Any]:
    """Every wrk cell, in rounds of floor, predict and OIP so that box noise hits each side alike."""
    model_name = manifest["name"]
    cells: list[load.Cell] = []
    # A first start writes the bytecode the image has built in, so the second measures the image's start.
    with servers.start(*servers.model_server(args.artifacts, free_port(), workers)):
        pass
    with servers.start(*servers.model_server(args.artifacts, free_port(), workers)) as model:
        with servers.start(*servers.floor_server(args.artifacts, free_port(), workers)) as floor:
            for payload, count in payloads:
                body = bodies(manifest, make_rows(manifest, count))
                floor_url = f"{floor.url}/predict" if count == 1 else f"{floor.url}/predict_batch"
                targets = [
                    ("floor", floor_url, body["predict"], floor),
                    ("predict", f"{model.url}/predict", body["predict"], model),
                    ("oip", f"{model.url}/v2/models/{model_name}/infer", body["oip"], model),
                ]
                for concurrency in concurrencies or args.concurrency:
                    runs: dict[str, list[load.Cell]] = {target: [] for target, *_ in targets}
                    for _ in range(args.rounds):
                        for target, url, content, server in targets:
                            cell = load.drive(
                                url, content, concurrency, args.seconds, target, payload, server.cpu_seconds
                            )
                            runs[target].append(cell)
                    cells += [load.median(target_runs) for target_runs in runs.values()]
                    print("\n".join(report.table(cells[-3:]).splitlines()[1:]), flush=True)
        return {"cells": cells, "ready_s": model.ready_s, "rss_mib": model.rss_mib()}


def main() -> int:
    args = parse_args()
    manifest = json.loads((args.artifacts / "manifest.json").read_text())
    if args.batch_only:
        return report_batch(args, manifest, {})
    load.require_wrk()
    measured = measure(args, manifest, args.workers)
    cells: list[load.Cell] = measured["cells"]
    onnx = {
        payload: inprocess.onnx_timing(
            args.artifacts / "model.onnx",
            feed(manifest, make_rows(manifest, count)),
            2000,
        )
        for payload, count in (("single", 1), ("batch64", BATCH))
    }
    results: dict[str, Any] = {
        "seconds_per_run": args.seconds,
        "rounds": args.rounds,
        "workers": args.workers,
        "cells": [cell.as_dict() for cell in cells],
        "ratio_to_floor": report.ratios(cells),
        "onnxruntime_in_process": onnx,
        "ready_s": round(measured["ready_s"], 3),
        "rss_mib_after_load": measured["rss_mib"],
        "targets": report.verdict(cells, measured["ready_s"], measured["rss_mib"], args.concurrency),
    }
    if args.sizes:
        serving, with_sklearn = inprocess.site_packages_mib([]), inprocess.site_packages_mib(["scikit-learn"])
        results["site_packages_mib"] = {"serving": serving, "with_scikit_learn": with_sklearn}
        share = serving / with_sklearn
        results["targets"]["serving env <= 60% of a scikit-learn one"] = {
            "value": round(share, 2),
            "met": share <= 0.6,
        }
    print(report.table(cells))
    if args.also_workers:
        print(f"single rows, {args.also_workers} workers:", flush=True)
        more = measure(args, manifest, args.also_workers, (("single", 1),), [1, 16])["cells"]
        results[f"cells_{args.also_workers}_workers"] = [cell.as_dict() for cell in more]
        results[f"ratio_to_floor_{args.also_workers}_workers"] = report.ratios(more)
    print(json.dumps({key: results[key] for key in results if not key.startswith("cells")}, indent=2))
    return report_batch(args, manifest, results)


def report_batch(args: argparse.Namespace, manifest: dict[str, Any], results: dict[str, Any]) -> int:
    """Add the batch scoring run (unless --batch-rows 0) and write every result to --out."""
    if args.batch_rows > 0:
        results["batch"] = batch.measure(args.artifacts, manifest, args.batch_rows, args.out.parent)
        print(batch.table(results["batch"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
