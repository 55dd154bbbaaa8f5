"""A flood for the overload test, run as its own process so that it cannot slow the probes' clock:

    python -m tests.serving.flood PORT CONNECTIONS SECONDS BODY_FILE

Each connection posts the body to /predict over and over on one kept-alive connection, with no
pause, as a client that ignores Retry-After would. Prints one JSON line: answers and latencies by
status, answers without Retry-After among the 503s, and connection errors.
"""

import asyncio
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)


async def client(port: int, request: bytes, deadline: float, results: dict[str, Any]) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = LENGTH.search(head)
            await reader.readexactly(int(match.group(1)) if match else 0)
            status = head.split(b" ", 2)[1].decode()
            results["latencies"].setdefault(status, []).append(time.perf_counter() - started)
            if status == "503" and b"retry-after: " not in head.lower():
                results["no_retry_after"] += 1
        writer.close()
    except (OSError, asyncio.IncompleteReadError) as error:
        results["errors"].append(repr(error))


def summary(results: dict[str, Any]) -> dict[str, Any]:
    by_status = {}
    for status, latencies in results["latencies"].items():
        ordered = sorted(latencies)
        by_status[status] = {
            "count": len(ordered),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        }
    return {"by_status": by_status, "no_retry_after": results["no_retry_after"], "errors": results["errors"]}


async def flood(port: int, connections: int, seconds: float, body: bytes) -> dict[str, Any]:
    head = ["POST /predict HTTP/1.1", "Host: test", "Content-Type: application/json"]
    request = "\r\n".join([*head, f"Content-Length: {len(body)}", "", ""]).encode() + body
    results: dict[str, Any] = {"latencies": {}, "no_retry_after": 0, "errors": []}
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(port, request, deadline, results) for _ in range(connections)))
    return summary(results)


if __name__ == "__main__":
    port, connections, seconds, body_file = sys.argv[1:5]
    answer = asyncio.run(flood(int(port), int(connections), float(seconds), Path(body_file).read_bytes()))
    print(json.dumps(answer))
