"""A small client of Prometheus's HTTP API: instant queries, answered as per-version values."""

import json
import math
from typing import Any

import httpx

from ..errors import Failure, first_line

# An instant vector of a few versions is a few hundred bytes; more is no answer this client asked for.
MAX_ANSWER_BYTES = 4 << 20


class PrometheusError(Failure):
    """Prometheus could not be reached, refused the query, or answered something that is no instant
    vector: exit 6, apart from the decisions (0, 3, 4, 5) and usage errors (2)."""

    exit_code = 6


class Prometheus:
    """`GET <url>/api/v1/query` (https://prometheus.io/docs/prometheus/latest/querying/api/)."""

    def __init__(
        self, url: str, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.endpoint = url.rstrip("/") + "/api/v1/query"
        # Loading the CA bundle takes 25 ms; a plain-HTTP Prometheus (in-cluster) needs none, and the
        # client follows no redirect that could lead to HTTPS.
        verify = url.lower().startswith("https:")
        self.client = httpx.Client(
            timeout=timeout_s, transport=transport, follow_redirects=False, verify=verify
        )

    def close(self) -> None:
        self.client.close()

    def vector(self, query: str, at: float) -> list[tuple[dict[str, str], float]]:
        """The samples of an instant query at unix time `at`: each series' labels and value."""
        document = self._get(query, at)
        data = document.get("data") if isinstance(document, dict) else None
        if document.get("status") != "success" or not isinstance(data, dict):
            raise PrometheusError(f"Prometheus answered no data for {query!r}: {document.get('error')!r}")
        if data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
            raise PrometheusError(
                f"Prometheus answered a {data.get('resultType')!r}, not a vector, for {query!r}"
            )
        return [sample(item, query) for item in data["result"]]

    def by_version(self, query: str, at: float) -> dict[str, float]:
        """{version label: value}; a series without the label is left out."""
        return {labels["version"]: value for labels, value in self.vector(query, at) if "version" in labels}

    def _get(self, query: str, at: float) -> dict[str, Any]:
        try:
            with self.client.stream(
                "GET", self.endpoint, params={"query": query, "time": f"{at:.3f}"}
            ) as answer:
                body = read_bounded(answer)
        except httpx.HTTPError as error:
            raise PrometheusError(f"Prometheus at {self.endpoint} unreachable: {first_line(error)}") from None
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if answer.status_code != 200:
            reason = (
                document.get("error") if isinstance(document, dict) else body[:200].decode(errors="replace")
            )
            raise PrometheusError(f"Prometheus answered {answer.status_code} for {query!r}: {reason}")
        if not isinstance(document, dict):
            raise PrometheusError(f"Prometheus answered no JSON object for {query!r}")
        return document


def read_bounded(answer: httpx.Response) -> bytes:
    body = bytearray()
    for chunk in answer.iter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise PrometheusError(f"Prometheus answered more than {MAX_ANSWER_BYTES} bytes")
    return bytes(body)


def sample(item: Any, query: str) -> tuple[dict[str, str], float]:
    """One `{"metric": {...}, "value": [time, "text"]}` of a vector, its value finite and not negative."""
    try:
        labels, (_, text) = item["metric"], item["value"]
        value = float(text)
        # Every series read is a count or a sum of counts: a negative one is no answer to trust.
        if not isinstance(labels, dict) or not isinstance(text, str) or not math.isfinite(value) or value < 0:
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise PrometheusError(
            f"Prometheus answered a malformed sample for {query!r}: {item!r:.200}"
        ) from None
    return {str(key): str(value) for key, value in labels.items()}, value
