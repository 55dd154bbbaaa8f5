"""Stand-ins for a deployed server: a JSON-answering handler, served on a free loopback port, and one
that answers like the model server."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler whose subclasses answer with `answer(status, body)`."""

    def answer(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        """Keep test output quiet."""


@contextmanager
def serving(handler: type[JsonHandler]) -> Iterator[str]:
    """The handler on 127.0.0.1 at a free port; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval, so that shutdown() returns at once rather than after half a second.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


MODEL_SHA256 = "5" * 64
# What a request carrying X-Model-Variant: canary reaches, as a header route in production sends it.
CANARY_SHA256 = "c" * 64
FEATURES = [
    {"name": "alcohol", "dtype": "float", "summary": {"mean": 13.2}},
    {"name": "proline", "dtype": "integer", "summary": {"mean": 746.6}},
]


class StandIn(JsonHandler):
    """Answers like the model server; each GET of /model reports the next of `revisions`, then the last."""

    revisions: ClassVar[list[str]] = []
    digests: ClassVar[list[str]] = ["unknown"]
    predictions: ClassVar[list[dict[str, Any]]] = []
    predict_status: ClassVar[int] = 200
    # The X-Model-Variant header of each request, in order (None when absent).
    variants: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.variants.append(self.headers.get("X-Model-Variant"))
        if self.path == "/readyz":
            self.answer(200, {"status": "ready"})
            return
        revision = self.revisions.pop(0) if len(self.revisions) > 1 else self.revisions[0]
        digest = self.digests.pop(0) if len(self.digests) > 1 else self.digests[0]
        sha256 = CANARY_SHA256 if self.variants[-1] == "canary" else MODEL_SHA256
        model = {"name": "wine", "features": FEATURES, "onnx": {"sha256": sha256}}
        self.answer(200, {**model, "git_revision": revision, "image_digest": digest})

    def do_POST(self) -> None:
        self.variants.append(self.headers.get("X-Model-Variant"))
        self.predictions.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.answer(self.predict_status, {"predictions": [1]})
