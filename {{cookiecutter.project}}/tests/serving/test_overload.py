"""Overload: past its concurrency limit the server sheds POSTs with a fast 503 and Retry-After, its
probes keep answering within the Deployment's probe timeouts, and the shed requests stay out of
the metrics that the canary analysis and the alerts read."""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from .. import PROJECT_DIR
from ..rows import typical_rows
from ..servers import live_server

FLOOD_CONNECTIONS = 300
# Long enough for half a dozen rounds of probes while every slot is taken and posts are shed.
FLOOD_SECONDS = 2.0


def probe_timeouts() -> dict[str, float]:
    """Each probe's path and timeoutSeconds, as the base Deployment sets them (Kubernetes' default is 1)."""
    deployment = yaml.safe_load((PROJECT_DIR / "k8s" / "base" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    probes = [container[kind] for kind in ("readinessProbe", "livenessProbe")]
    return {probe["httpGet"]["path"]: float(probe.get("timeoutSeconds", 1)) for probe in probes}


def probe(url: str, timeout_s: float) -> int:
    """One kubelet-like probe: a new connection and a GET; 0 when no answer came in time."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def sample(metrics: str, series: str) -> float:
    """The value of one series in Prometheus exposition text."""
    line = next(line for line in metrics.splitlines() if line.startswith(series + " "))
    return float(line.rsplit(" ", 1)[1])


@pytest.mark.slow
def test_overload_sheds_posts_fast_while_probes_stay_green(artifacts_dir: Path, tmp_path: Path) -> None:
    timeouts = probe_timeouts()
    with live_server(artifacts_dir, APP_MAX_CONCURRENCY="16", APP_LOG_LEVEL="warning") as server:
        body = tmp_path / "batch.json"
        body.write_text(json.dumps({"rows": typical_rows(server.manifest, 64)}))
        arguments = [str(server.port), str(FLOOD_CONNECTIONS), str(FLOOD_SECONDS), str(body)]
        flood = subprocess.Popen(
            [sys.executable, "-m", "tests.serving.flood", *arguments], cwd=PROJECT_DIR, stdout=subprocess.PIPE
        )
        answers: list[tuple[str, int, float]] = []
        deadline = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < deadline:
            for path, timeout_s in timeouts.items():
                started = time.monotonic()
                answers.append((path, probe(server.url + path, timeout_s), time.monotonic() - started))
            time.sleep(0.25)
        output, _ = flood.communicate(timeout=60)
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
            metrics = response.read().decode()
    stats = json.loads(output)
    served, shed = stats["by_status"]["200"], stats["by_status"]["503"]
    slowest = max(seconds for _, _, seconds in answers)
    share = 100 * shed["count"] / (shed["count"] + served["count"])
    print(
        f"{FLOOD_CONNECTIONS} connections: {served['count']} served (p99 {served['p99_ms']} ms), "
        f"{shed['count']} shed ({share:.0f} per cent, p99 {shed['p99_ms']} ms); "
        f"{len(answers)} probes, slowest {slowest * 1000:.0f} ms"
    )
    assert [(path, status) for path, status, _ in answers if status != 200] == []
    assert set(stats["by_status"]) == {"200", "503"}
    assert stats["no_retry_after"] == 0
    assert stats["errors"] == []
    assert shed["p99_ms"] < 1000 * min(timeouts.values())
    assert re.search(r'http_requests_shed_total\{route="/predict"\} [1-9]', metrics)
    assert not re.search(r'http_requests_total\{[^}]*status="5\d\d"', metrics)
    # The latency histogram holds the requests served, not the ones shed.
    assert sample(metrics, 'http_request_duration_seconds_count{route="/predict"}') == sample(
        metrics, 'http_requests_total{method="POST",route="/predict",status="200"}'
    )
