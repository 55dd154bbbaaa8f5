"""`experiment verdict`: its exit codes, its one-line refusals, --watch, and --record read by the card."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.experiment.prometheus import Prometheus
from {{ cookiecutter.package }}.experiment.watch import Setup, watch
from {{ cookiecutter.package }}.manifest import (
    EXPERIMENT_FILE,
    Experiment,
    read_manifest,
    write_manifest,
)
from {{ cookiecutter.package }}.model.card import render_card, write_card

from ..test_main import exit_code
from .stub import Stub, arm_values, serve_stub

pytestmark = pytest.mark.timeout(60)
CHAMPION, CHALLENGER = "a" * 12, "b" * 12


@pytest.fixture
def stub() -> Stub:
    return Stub()


@pytest.fixture
def planned(artifacts_copy: Path) -> Path:
    """The model with the MDE the stub's counters are sized for, whatever target the project trains on."""
    manifest = read_manifest(artifacts_copy)
    effect = 3.0 if manifest.experiment.metric == "mae" else 0.02
    plan = manifest.experiment.model_copy(update={"minimum_detectable_effect": effect})
    write_manifest(artifacts_copy, manifest.model_copy(update={"experiment": plan}))
    return artifacts_copy


@pytest.fixture
def url(stub: Stub) -> Iterator[str]:
    with serve_stub(stub) as address:
        yield address


def verdict(url: str, artifacts: Path, *extra: str) -> list[str]:
    return [
        *("experiment", "verdict", "--prometheus", url, "--champion", CHAMPION, "--challenger", CHALLENGER),
        *("--since", "1h", "--artifacts", str(artifacts), *extra),
    ]


@pytest.mark.parametrize(
    ("outcomes", "correct", "traffic", "code", "decision"),
    [
        ((5000, 5000), (4500, 4700), (5000, 5000), 0, "decision: promote (the challenger is better)"),
        ((5000, 5000), (4700, 4500), (5000, 5000), 4, "decision: abort (the challenger is worse)"),
        ((300, 300), (270, 272), (300, 300), 3, "decision: keep running"),
        ((5000, 5000), (4500, 4700), (5500, 4500), 5, "decision: stop: sample ratio mismatch"),
    ],
    ids=["promote", "abort", "keep-running", "srm"],
)
def test_each_decision_has_its_exit_code(
    stub: Stub, url: str, planned: Path, capsys: pytest.CaptureFixture[str],
    outcomes: tuple[int, int], correct: tuple[int, int], traffic: tuple[int, int], code: int, decision: str,
) -> None:  # fmt: skip
    arm_values(stub, outcomes, correct, traffic)
    assert main(verdict(url, planned)) == code
    out = capsys.readouterr().out
    assert decision in out
    assert f"challenger  {CHALLENGER}" in out


def test_the_record_is_json_and_the_model_card_shows_it(
    stub: Stub, url: str, planned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arm_values(stub, (5000, 5000), (4500, 4700), (5000, 5000))
    record = planned / EXPERIMENT_FILE
    assert main(verdict(url, planned, "--record", str(record))) == 0
    document = json.loads(record.read_text())
    assert document["decision"] == "promote"
    assert [arm["outcomes"] for arm in document["arms"]] == [5000, 5000]
    lower, upper = document["ci"]
    assert not lower <= 0 <= upper  # the interval excludes no difference
    card = write_card(planned).read_text()
    assert "## A/B experiment" in card
    assert f"- Decision: **promote** (the challenger is better), {document['time']}" in card


def test_no_record_no_experiment_section(planned: Path) -> None:

    assert "A/B experiment" not in render_card(read_manifest(planned), None)


def test_an_unreachable_prometheus_exits_6_in_one_line(
    planned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_stub(Stub()) as url:
        pass
    assert main(verdict(url, planned)) == 6
    err = capsys.readouterr().err
    assert err.startswith("error: Prometheus at ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--champion", "main"], "'main': expected a model sha256"),
        (["--since", "yesterday"], "'yesterday': expected an RFC 3339 time with offset, or a duration"),
        (["--since", "2026-01-01T00:00:00"], "expected an RFC 3339 time with offset"),
        (["--since", "2999-01-01T00:00:00Z"], "cannot start in the future"),
        (["--interval", "0"], "--interval: '0': expected a whole number from 1"),
        (["--prometheus", "prometheus:9090"], "expected an http:// or https:// URL"),
        (["--champion-pod-hash", "abc"], "not allowed with argument --champion"),
    ],
)
def test_a_bad_argument_exits_2_in_one_line(
    planned: Path, capsys: pytest.CaptureFixture[str], change: list[str], message: str
) -> None:
    assert exit_code([*verdict("http://127.0.0.1:9", planned), *change]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_a_release_of_code_alone_passes_the_stage(planned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same model on both sides: nothing to compare, and the Job must not abort a code-only release."""
    arguments = verdict("http://127.0.0.1:9", planned, "--challenger", CHAMPION)
    assert main(arguments) == 0
    assert "same model version" in capsys.readouterr().out


def test_the_challenger_defaults_to_the_model_in_artifacts(
    stub: Stub, url: str, planned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = verdict(url, planned)
    arguments.remove("--challenger")
    arguments.remove(CHALLENGER)
    assert main(arguments) == 3
    assert any('version=~"aaaaaaaaaaaa|' in query for query in stub.queries)


def reported(stub: Stub, **classes: str) -> None:
    """model_info of each version named (champion, challenger) with its class set."""
    versions = {"champion": CHAMPION, "challenger": CHALLENGER}
    stub.info = [{"sha256": versions[arm] + "0" * 52, "classes": value} for arm, value in classes.items()]


@pytest.fixture
def on_accuracy(planned: Path) -> Path:
    if read_manifest(planned).experiment.metric != "accuracy":
        pytest.skip("only accuracy depends on the classes each version predicts")
    return planned


def test_versions_that_predict_other_classes_exit_2_in_one_line(
    stub: Stub, url: str, on_accuracy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A replica refuses the outcomes of a class its model lacks, which are the other version's wrong
    answers: accuracies over two class sets do not compare, however clear the counters look."""
    arm_values(stub, (5000, 5000), (4500, 4700), (5000, 5000))
    reported(stub, champion="0123456789ab", challenger="ba9876543210")
    assert main(verdict(url, on_accuracy)) == 2
    err = capsys.readouterr().err
    assert f"champion {CHAMPION} and challenger {CHALLENGER} predict other sets of classes" in err
    assert err.count("\n") == 1


def test_replicas_of_one_version_that_report_two_class_sets_exit_2(
    stub: Stub, url: str, on_accuracy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arm_values(stub, (5000, 5000), (4500, 4700), (5000, 5000))
    reported(stub, champion="0123456789ab", challenger="0123456789ab")
    stub.info.append({"sha256": CHALLENGER + "0" * 52, "classes": "ba9876543210"})
    assert main(verdict(url, on_accuracy)) == 2
    assert f"{CHALLENGER}: 0123456789ab, ba9876543210" in capsys.readouterr().err


def test_versions_that_predict_one_class_set_are_judged(
    stub: Stub, url: str, on_accuracy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arm_values(stub, (5000, 5000), (4500, 4700), (5000, 5000))
    reported(stub, champion="0123456789ab", challenger="0123456789ab")
    assert main(verdict(url, on_accuracy)) == 0
    assert capsys.readouterr().err == ""


def test_a_version_that_does_not_report_its_classes_is_judged_with_a_warning(
    stub: Stub, url: str, on_accuracy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A champion built before model_info said its classes must not block its successor's experiment."""
    arm_values(stub, (5000, 5000), (4500, 4700), (5000, 5000))
    reported(stub, challenger="0123456789ab")
    assert main(verdict(url, on_accuracy)) == 0
    assert f"does not say the classes of {CHAMPION}" in capsys.readouterr().err


def test_watch_returns_at_the_first_decision(stub: Stub, url: str, planned: Path) -> None:
    arm_values(stub, (5000, 5000), (4500, 4700), (5000, 5000))
    assert main(verdict(url, planned, "--watch", "--interval", "1")) == 0


def test_watch_ends_at_the_horizon_with_on_horizon(stub: Stub, url: str) -> None:
    arm_values(stub, (1000, 1000), (900, 900), (1000, 1000))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = [start]

    def sleep(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)

    plan = Experiment(metric="accuracy", max_duration="1d")
    prometheus = Prometheus(url)
    try:
        result = watch(prometheus, Setup(plan, (CHAMPION, CHALLENGER), start), 3600, sleep, lambda: now[0])
    finally:
        prometheus.close()
    assert (result.decision.value, result.elapsed_s) == ("abort", 86400)


def test_watch_gives_up_after_failed_looks_in_a_row(stub: Stub, url: str) -> None:
    stub.status, stub.body = 503, b"down"
    prometheus = Prometheus(url)
    sleeps: list[float] = []
    with pytest.raises(Exception, match="answered 503"):
        watch(
            prometheus,
            Setup(Experiment(metric="accuracy"), (CHAMPION, CHALLENGER), datetime.now(UTC)),
            5,
            sleeps.append,
        )
    prometheus.close()
    assert sleeps == [5, 5]
