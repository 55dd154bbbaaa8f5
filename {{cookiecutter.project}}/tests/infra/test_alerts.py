"""The shipped alert rules, checked and unit-tested by promtool (Prometheus's own rule evaluator)."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .k8s import OVERLAYS_DIR, only, render
from .prometheus import require

# Two files, as each sets its own evaluation interval: the daily rules' cases span two days.
UNIT_TESTS = [Path(__file__).with_name(name) for name in ("alerts_test.yaml", "alerts_daily_test.yaml")]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PrometheusRule's groups as a Prometheus rule file, beside a copy of the unit tests."""
    directory = tmp_path_factory.mktemp("rules")
    rule = only(render(OVERLAYS_DIR / "production"), "PrometheusRule")
    (directory / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    for unit_tests in UNIT_TESTS:
        shutil.copy(unit_tests, directory / unit_tests.name)
    return directory


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require("promtool"), *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_promtool_accepts_the_rules(rules: Path) -> None:
    result = promtool("check", "rules", "rules.yaml", cwd=rules)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_and_stays_silent_in_the_unit_tests(rules: Path) -> None:
    alerts = {
        rule["alert"]
        for group in yaml.safe_load((rules / "rules.yaml").read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    cases: list[dict[str, Any]] = [
        case
        for unit_tests in UNIT_TESTS
        for test in yaml.safe_load(unit_tests.read_text())["tests"]
        for case in test["alert_rule_test"]
    ]
    assert {case["alertname"] for case in cases if case["exp_alerts"]} == alerts
    assert {case["alertname"] for case in cases if not case["exp_alerts"]} == alerts
    result = promtool("test", "rules", *(unit_tests.name for unit_tests in UNIT_TESTS), cwd=rules)
    assert result.returncode == 0, result.stdout + result.stderr
