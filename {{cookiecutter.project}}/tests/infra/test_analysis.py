"""The canary analysis against a real Prometheus scraping real servers: healthy, quiet and failing.

Each server stands for one canary, told apart by the pod-template hash label that Prometheus attaches
as the production ServiceMonitor makes it. Every query of the AnalysisTemplate runs as an AnalysisRun
would run it, and its vector is judged with the template's own conditions (see analysis.py).
"""

import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from .. import PROJECT_DIR
from ..servers import free_port, live_server
from .analysis import measurement_phase, prometheus_result, resolve_args
from .k8s import OVERLAYS_DIR, K8sObject, named_template, only, render
from .prometheus import SCRAPE_SECONDS, prometheus, query, wait_until_scraped

pytestmark = pytest.mark.slow

# Long enough for several scrapes to see the counters grow (a burst before a series' first scrape
# counts as no increase at all), and for every state to pass the template's min-requests many times over.
# Whole seconds: locust's --run-time takes no fractions.
LOAD_S = 2
STATES = ("healthy", "quiet", "failing")
# The pause between rounds of the quiet and the failing server's requests: about a hundred a second.
PAUSE_S = 0.01


def broken_copy(artifacts: Path, target: Path) -> Path:
    """The model with a manifest whose sha256 does not match: the server runs, and inference answers 503."""
    shutil.copytree(artifacts, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["onnx"]["sha256"] = "0" * 64
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def locust(url: str) -> subprocess.Popen[bytes]:
    """Both APIs under load from a few users, as `make loadtest` drives them."""
    command = [sys.executable, "-m", "locust", "-f", str(PROJECT_DIR / "loadtest" / "locustfile.py")]
    command += [
        "--headless",
        "--host",
        url,
        "--users",
        "4",
        "--spawn-rate",
        "4",
        "--run-time",
        f"{LOAD_S}s",
    ]
    return subprocess.Popen(
        [*command, "--only-summary"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def keep_requesting(url: str, paths: tuple[str, ...], body: bytes | None, done: threading.Event) -> None:
    """Request `paths` in turn, a pause after each round, until `done` is set; the answers are ignored."""
    while not done.wait(PAUSE_S):
        for path in paths:
            request = urllib.request.Request(
                url + path, data=body, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5):
                    pass
            except urllib.error.HTTPError:
                pass


@pytest.fixture(scope="module")
def production() -> list[K8sObject]:
    return render(OVERLAYS_DIR / "production")


@pytest.fixture(scope="module")
def prometheus_url(
    production: list[K8sObject], artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Prometheus after LOAD_S seconds of each state: locust on healthy; only probes and scrapes on
    quiet; failing answers every inference request with a 503."""
    work = tmp_path_factory.mktemp("prometheus")
    ports = {state: free_port() for state in STATES}
    with ExitStack() as stack:
        # Prometheus first: the servers start in the seconds it takes to apply its targets.
        url = stack.enter_context(prometheus(only(production, "ServiceMonitor"), ports, work))
        servers = {
            "healthy": stack.enter_context(live_server(artifacts_dir, port=ports["healthy"])),
            "quiet": stack.enter_context(live_server(artifacts_dir, port=ports["quiet"])),
            "failing": stack.enter_context(
                live_server(
                    broken_copy(artifacts_dir, work / "broken"), up_path="/healthz", port=ports["failing"]
                )
            ),
        }
        wait_until_scraped(url, len(ports))
        load = locust(servers["healthy"].url)
        # The other states are loaded for as long as locust runs, however slowly it starts.
        done = threading.Event()
        threads = [
            threading.Thread(
                target=keep_requesting,
                args=(servers["quiet"].url, ("/healthz", "/readyz", "/metrics"), None, done),
            ),
            threading.Thread(
                target=keep_requesting, args=(servers["failing"].url, ("/predict",), b"{}", done)
            ),
        ]
        for thread in threads:
            thread.start()
        load.wait(timeout=60)
        done.set()
        for thread in threads:
            thread.join(timeout=60)
        # Two more scrapes, so that Prometheus holds the counters as the load left them.
        time.sleep(2.5 * SCRAPE_SECONDS)
        yield url


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("healthy", {"error-ratio": "Successful", "p99-latency": "Successful"}),
        ("quiet", {"error-ratio": "Inconclusive", "p99-latency": "Inconclusive"}),
        ("failing", {"error-ratio": "Failed", "p99-latency": "Successful"}),
    ],
)
def test_each_state_gets_the_verdict_the_conditions_promise(
    production: list[K8sObject], prometheus_url: str, state: str, expected: dict[str, str]
) -> None:
    """healthy passes; quiet (probes and /metrics only, no inference) is neither passed nor failed; a
    canary answering 5xx fails however fast it answers."""
    template = named_template(production, "canary-health")
    metrics = resolve_args(template, {"canary-hash": state, "prometheus-address": prometheus_url})
    phases = {}
    for metric in metrics:
        result = prometheus_result(query(prometheus_url, metric["provider"]["prometheus"]["query"]))
        phases[metric["name"]] = measurement_phase(metric, result)
    assert phases == expected


def test_the_quiet_server_was_busy_with_everything_but_inference(prometheus_url: str) -> None:
    """Proof that the quiet verdict comes from the route filter, not from an idle server."""
    scraped = prometheus_result(
        query(prometheus_url, 'sum(increase(http_requests_total{rollouts_pod_template_hash="quiet"}[2m]))')
    )
    assert scraped
    assert scraped[0] > 100
