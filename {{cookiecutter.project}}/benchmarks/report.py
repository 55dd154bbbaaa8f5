"""The bench's table and its verdict against the targets of the serving issue."""

from typing import Any

from .load import Cell


def table(cells: list[Cell]) -> str:
    lines = [
        f"{'target':<10} {'payload':<8} {'conc':>4} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'cpu us/req':>10}"
    ]
    for cell in cells:
        lines.append(
            f"{cell.target:<10} {cell.payload:<8} {cell.concurrency:>4} {cell.requests_per_s:>9.0f} "
            f"{cell.p50_ms:>8.2f} {cell.p99_ms:>8.2f} {cell.errors:>6} {cell.cpu_us_per_request:>10.1f}"
        )
    return "\n".join(lines)


def _cell(cells: list[Cell], target: str, payload: str, concurrency: int) -> Cell:
    return next(c for c in cells if (c.target, c.payload, c.concurrency) == (target, payload, concurrency))


def ratios(cells: list[Cell]) -> dict[str, float]:
    """Throughput of each API over the floor's, per payload and concurrency."""
    result = {}
    for cell in cells:
        if cell.target != "floor":
            floor = _cell(cells, "floor", cell.payload, cell.concurrency)
            result[f"{cell.target}/{cell.payload}/c{cell.concurrency}"] = round(
                cell.requests_per_s / floor.requests_per_s, 2
            )
    return result


def verdict(
    cells: list[Cell], ready_s: float, rss_mib: list[float], concurrencies: list[int]
) -> dict[str, Any]:
    """Each target of the issue with the measured figure and whether it was met."""
    busiest = max(concurrencies)
    single = (
        _cell(cells, "predict", "single", busiest).requests_per_s
        / _cell(cells, "floor", "single", busiest).requests_per_s
    )
    batch = (
        _cell(cells, "predict", "batch64", busiest).requests_per_s
        / _cell(cells, "floor", "batch64", busiest).requests_per_s
    )
    checks: dict[str, Any] = {
        f"single-row req/s >= floor (c{busiest})": (round(single, 2), single >= 1.0),
        f"batch-64 req/s >= 1.5x floor (c{busiest})": (round(batch, 2), batch >= 1.5),
        "ready within 1 s of start": (round(ready_s, 3), ready_s <= 1.0),
        "RSS per worker <= 100 MiB after load": (max(rss_mib), max(rss_mib) <= 100),
    }
    if 16 in concurrencies:
        ours, floor = _cell(cells, "predict", "single", 16).p99_ms, _cell(cells, "floor", "single", 16).p99_ms
        checks["p99 at c16 <= floor's (single)"] = (f"{ours} vs {floor}", ours <= floor)
    if 1 in concurrencies:
        p99 = _cell(cells, "predict", "single", 1).p99_ms
        checks["p99 at c1 < 2 ms (single)"] = (p99, p99 < 2.0)
    return {name: {"value": value, "met": met} for name, (value, met) in checks.items()}
