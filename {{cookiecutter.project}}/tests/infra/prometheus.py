"""A throwaway Prometheus on loopback that scrapes servers the way the production ServiceMonitor does.

Debian's and Ubuntu's `prometheus` package provides it and promtool. Missing on a laptop, the tests
skip with the line that installs it; missing on CI, they fail.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..servers import free_port
from .k8s import K8sObject

INSTALL = (
    "sudo apt-get install --no-install-recommends prometheus  # Debian and Ubuntu: prometheus and promtool"
)
# Short, so that two samples, and with them a rate(), exist within a second of the first scrape.
SCRAPE_SECONDS = 0.5
INTERVAL = f"{SCRAPE_SECONDS * 1000:g}ms"
START_TIMEOUT_S = 30.0


def require(tool: str) -> str:
    """The tool's path; skipped when missing on a laptop, a failure on CI."""
    path = shutil.which(tool)
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{tool} is not installed on CI: {INSTALL}")
    pytest.skip(f"{tool} is not installed: {INSTALL}")


def sanitize(label: str) -> str:
    """A Kubernetes label name as a Prometheus label name (prometheus-operator's sanitizeLabelName)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def relabeling(service_monitor: K8sObject) -> list[dict[str, Any]]:
    """The relabel rules the Prometheus Operator generates for the ServiceMonitor's podTargetLabels
    (prometheus-operator v0.93.0 pkg/prometheus/promcfg.go:2166-2174, generateServiceMonitorConfig)."""
    return [
        {
            "source_labels": [f"__meta_kubernetes_pod_label_{sanitize(label)}"],
            "target_label": sanitize(label),
            "regex": "(.+)",
            "replacement": "${1}",
        }
        for label in service_monitor["spec"]["podTargetLabels"]
    ]


def scrape_config(service_monitor: K8sObject, targets: dict[str, int]) -> dict[str, Any]:
    """One job per server; each target carries the pod label Kubernetes discovery would give its pod,
    here the job's name as the pod-template hash."""
    [pod_label] = service_monitor["spec"]["podTargetLabels"]
    label = f"__meta_kubernetes_pod_label_{sanitize(pod_label)}"
    return {
        "global": {"scrape_interval": INTERVAL, "evaluation_interval": INTERVAL},
        "scrape_configs": [
            {
                "job_name": name,
                "metrics_path": service_monitor["spec"]["endpoints"][0]["path"],
                "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": {label: name}}],
                "relabel_configs": relabeling(service_monitor),
            }
            for name, port in targets.items()
        ],
    }


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def query(url: str, expression: str) -> Any:
    return get_json(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expression}))


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {timeout_s:g}s")


def wait_until_scraped(url: str, targets: int) -> None:
    """Wait for a successful scrape of every target. The scrape manager applies new targets every 5 s,
    so the first samples take that long after Prometheus starts."""
    wait_until(lambda: len(query(url, "up == 1")["data"]["result"]) == targets, "every target scraped")


@contextmanager
def prometheus(service_monitor: K8sObject, targets: dict[str, int], work_dir: Path) -> Iterator[str]:
    """Prometheus on a free loopback port, set to scrape every target; yields its URL once it answers,
    before it scrapes: start the targets meanwhile, then wait_until_scraped()."""
    binary = require("prometheus")
    config = work_dir / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(service_monitor, targets)))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={work_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def started() -> bool:
        if process.poll() is not None:
            raise RuntimeError(
                f"prometheus exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        return bool(get_json(f"{url}/api/v1/status/buildinfo"))

    try:
        wait_until(started, "Prometheus up")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
