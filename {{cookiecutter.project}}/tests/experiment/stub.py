"""A stand-in for Prometheus's query API on loopback: each query answered from a table of series."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# A wrong answer's absolute error in mae terms: large enough against the diabetes bake's MDE of 3.
ERROR = 10.0


class Stub:
    """`values`: series name -> {version: value}; `status`/`body` replace the answer when set."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, float]] = {}
        self.info: list[dict[str, str]] = []
        self.status = 200
        self.body: bytes | None = None
        self.queries: list[str] = []

    def answer(self, query: str) -> dict[str, Any]:
        if query.startswith("model_info"):
            samples = [{"metric": labels, "value": [0, "1"]} for labels in self.info]
            return {"status": "success", "data": {"resultType": "vector", "result": samples}}
        series = next((name for name in self.values if "(" + name + "{" in query), None)
        values = self.values.get(series or "", {})
        result = [{"metric": {"version": v}, "value": [0, str(x)]} for v, x in values.items()]
        return {"status": "success", "data": {"resultType": "vector", "result": result}}


@contextmanager
def serve_stub(stub: Stub) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query).get("query", [""])[0]
            stub.queries.append(query)
            body = stub.body if stub.body is not None else json.dumps(stub.answer(query)).encode()
            self.send_response(stub.status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def arm_values(
    stub: Stub, outcomes: tuple[float, float], correct: tuple[float, float], traffic: tuple[float, float]
) -> None:
    """Counters of champion `a…` and challenger `b…`, for accuracy and, alike, for mae: each wrong answer
    is an absolute error of ERROR, so that the arm with more right answers is the better by either."""
    a, b = "a" * 12, "b" * 12
    wrong = (outcomes[0] - correct[0], outcomes[1] - correct[1])
    stub.values = {
        "model_outcomes_total": {a: outcomes[0], b: outcomes[1]},
        "model_outcomes_correct_total": {a: correct[0], b: correct[1]},
        "model_outcomes_absolute_error_total": {a: ERROR * wrong[0], b: ERROR * wrong[1]},
        "model_outcomes_squared_error_total": {a: ERROR**2 * wrong[0], b: ERROR**2 * wrong[1]},
        "model_prediction_requests_total": {a: traffic[0], b: traffic[1]},
    }
