"""References to registered model versions, as `validate --champion` and delivery take them."""

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.manifest import CheckKind, GateCheck, GateReport, ModelManifest
from {{ cookiecutter.package }}.registry import (
    ModelRef,
    connect,
    parse_model_uri,
    run_metrics,
    run_tags,
)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("models:/ml-service@production", ModelRef("ml-service", alias="production")),
        ("models:/ml-service/12", ModelRef("ml-service", version="12")),
        ("artifacts/manifest.json", None),
    ],
)
def test_model_uris_name_an_alias_or_a_version(text: str, ref: ModelRef | None) -> None:
    assert parse_model_uri(text) == ref
    if ref is not None:
        assert str(ref) == text


@pytest.mark.parametrize(
    "text", ["models:/ml-service", "models:/ml-service@", "models:/a/b/c", "models:/x/v1"]
)
def test_malformed_model_uri_says_what_is_expected(text: str) -> None:
    with pytest.raises(Failure, match=r"expected models:/<name>@<alias> or models:/<name>/<version>"):
        parse_model_uri(text)


def test_a_run_records_the_gate_s_latency_and_verdict(manifest: ModelManifest) -> None:
    latency = GateCheck(kind=CheckKind.LATENCY_P99_MS, value=1.25, threshold="<= 5", passed=True)
    other = GateCheck(kind=CheckKind.MINIMUM, metric="accuracy", value=0.5, threshold=">= 0.9", passed=False)
    failed = GateReport(passed=False, checks=[other, latency])
    assert run_metrics(manifest, failed)["latency_p99_ms"] == 1.25
    assert run_tags(manifest, failed)["gate"] == "failed"
    assert run_tags(manifest, failed.model_copy(update={"passed": True}))["gate"] == "passed"


def test_a_run_without_a_gate_report_says_so(manifest: ModelManifest) -> None:
    assert "latency_p99_ms" not in run_metrics(manifest, None)
    assert run_tags(manifest, None)["gate"] == "not run"


def test_a_tracking_uri_no_store_answers_to_is_one_line_naming_it() -> None:
    with pytest.raises(Failure, match=r"^tracking URI 'bogus://x': .*unsupported URI") as refused:
        connect("bogus://x")
    assert "\n" not in str(refused.value)
