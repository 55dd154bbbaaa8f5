"""Load for both APIs, with pass/fail thresholds so CI can use a run as a gate.

    locust -f loadtest/locustfile.py --headless --host URL --users 16 --spawn-rate 16 --run-time 20s
        [--max-fail-ratio 0] [--max-p99-ms 0]   (or LOCUST_MAX_FAIL_RATIO / LOCUST_MAX_P99_MS)

Rows are drawn within each feature's training range, read from the server's own /model.
"""

import logging
import random
from typing import Any

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment

log = logging.getLogger(__name__)
BATCH_ROWS = 16


@events.init.add_listener  # type: ignore[untyped-decorator]
def start_the_clock(**_: Any) -> None:
    """Count --run-time from the start of the load rather than from the start of the process.

    gevent's timers read the clock its loop cached last, before the seconds spent importing; left
    alone, a short run loses that time and may end before its first request.
    """
    gevent.get_hub().loop.update_now()


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def add_thresholds(parser: Any) -> None:
    parser.add_argument(
        "--max-fail-ratio",
        type=float,
        default=0.0,
        env_var="LOCUST_MAX_FAIL_RATIO",
        help="Fail above this ratio",
    )
    parser.add_argument(
        "--max-p99-ms",
        type=float,
        default=0.0,
        env_var="LOCUST_MAX_P99_MS",
        help="Fail above this p99 (0: off)",
    )


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def apply_thresholds(environment: Environment, **_: Any) -> None:
    """Set the exit code from the totals: non-zero when a threshold was crossed or nothing ran."""
    total = environment.stats.total
    options = environment.parsed_options
    max_fail_ratio = options.max_fail_ratio if options else 0.0
    max_p99_ms = options.max_p99_ms if options else 0.0
    problems = []
    if total.num_requests == 0:
        problems.append("no requests were made")
    if total.fail_ratio > max_fail_ratio:
        problems.append(f"fail ratio {total.fail_ratio:.4f} > {max_fail_ratio}")
    p99 = total.get_response_time_percentile(0.99) or 0.0
    if max_p99_ms and p99 > max_p99_ms:
        problems.append(f"p99 {p99:.0f} ms > {max_p99_ms:.0f} ms")
    if problems:
        log.error("load test failed: %s", "; ".join(problems))
        environment.process_exit_code = 1
    else:
        log.info("load test passed: %d requests, p99 %.0f ms", total.num_requests, p99)
        environment.process_exit_code = 0


class ModelClient(FastHttpUser):
    wait_time = between(0.0, 0.01)
    model: dict[str, Any]

    def on_start(self) -> None:
        with self.client.get("/model", name="/model") as response:
            self.model = response.json()

    def row(self) -> dict[str, float | str]:
        row: dict[str, float | str] = {}
        for feature in self.model["features"]:
            value = random.uniform(feature["summary"]["min"], feature["summary"]["max"])  # noqa: S311
            row[feature["name"]] = float(round(value)) if feature["dtype"] == "integer" else value
        for feature in self.model.get("categorical", []):
            row[feature["name"]] = random.choice(feature["categories"] or [""])  # noqa: S311
        return row

    @task(6)
    def predict_one(self) -> None:
        with self.client.post("/predict", json=self.row(), catch_response=True) as response:
            check(response, lambda body: "label" in body or "value" in body)

    @task(2)
    def predict_batch(self) -> None:
        rows = [self.row() for _ in range(BATCH_ROWS)]
        with self.client.post(
            "/predict", json={"rows": rows}, name="/predict [batch]", catch_response=True
        ) as response:
            check(response, lambda body: len(body["predictions"]) == BATCH_ROWS)

    @task(2)
    def infer(self) -> None:
        rows = [self.row() for _ in range(BATCH_ROWS)]
        # Each tensor's columns in the order the model reads them, as /model lists them.
        inputs = [
            {
                "name": name,
                "shape": [BATCH_ROWS, len(columns)],
                "datatype": "FP32" if name == "input" else "BYTES",
                "data": [[row[column] for column in columns] for row in rows],
            }
            for name, columns in self.model["tensor_columns"].items()
        ]
        path = f"/v2/models/{self.model['name']}/infer"
        with self.client.post(
            path, json={"inputs": inputs}, name="/v2/models/[name]/infer", catch_response=True
        ) as response:
            check(response, lambda body: all(out["shape"][0] == BATCH_ROWS for out in body["outputs"]))


def check(response: Any, valid: Any) -> None:
    """Mark the request failed unless it is a 200 whose JSON passes `valid`."""
    if response.status_code != 200:
        response.failure(f"status {response.status_code}: {response.text[:200]}")
        return
    try:
        ok = valid(response.json())
    except (ValueError, KeyError, TypeError) as error:
        response.failure(f"unreadable body ({error}): {response.text[:200]}")
        return
    if not ok:
        response.failure(f"unexpected body: {response.text[:200]}")
