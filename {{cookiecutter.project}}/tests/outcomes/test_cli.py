"""`outcomes` against a real server of two workers on loopback: a file of the outcomes of its own
predictions posted in batches and counted once whichever worker takes them; a refused one and a broken
server exit 1, a bad file 2."""

import time
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.__main__ import main

from ..rows import typical_rows
from ..servers import LiveServer, free_port

pytestmark = pytest.mark.slow
KINDS = "label, value, business"


def predicted(server: LiveServer, count: int) -> tuple[list[str], str, list[object]]:
    """`count` ids from /predict, the outcome column they take, and true outcomes: what was predicted."""
    ids: list[str] = []
    outcomes: list[object] = []
    column = "label" if server.manifest.classes else "value"
    for start in range(0, count, 1000):
        rows = typical_rows(server.manifest, min(1000, count - start))
        answer = httpx.post(f"{server.url}/predict", json={"rows": rows}, timeout=30).json()
        ids += answer["prediction_ids"]
        outcomes += [prediction[column] for prediction in answer["predictions"]]
    return ids, column, outcomes


def outcomes_counted(server: LiveServer, series: str = "model_outcomes_total") -> float:
    text = httpx.get(f"{server.url}/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(series + "{"))


def settled(server: LiveServer, expected: float, series: str = "model_outcomes_total") -> float:
    """The count once the last answer's increments landed in the shared files (bounded wait)."""
    deadline = time.monotonic() + 5
    while outcomes_counted(server, series) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return outcomes_counted(server, series)


def test_a_file_is_posted_in_batches_and_counted_once(
    two_workers: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids, column, outcomes = predicted(two_workers, 2500)
    path = tmp_path / "outcomes.parquet"
    pq.write_table(pa.table({"prediction_id": ids, column: outcomes}), path)
    before = outcomes_counted(two_workers)
    assert main(["outcomes", "--input", str(path), "--url", two_workers.url]) == 0
    assert capsys.readouterr().out == "outcomes: 2500 accepted, 0 refused, 0 skipped (no outcome)\n"
    assert settled(two_workers, before + 2500) == before + 2500


def test_refused_rows_are_named_and_exit_1(
    two_workers: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [token], column, [truth] = predicted(two_workers, 1)
    forged = token[:-1] + ("B" if token.endswith("A") else "A")  # the last byte of its tag changed
    path = tmp_path / "outcomes.csv"
    path.write_text(f"prediction_id,{column},note\n{token},{truth},a\n{forged},{truth},b\n{token},,c\n")
    url = two_workers.url
    assert main(["outcomes", "--input", str(path), "--url", url, "--batch-size", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "outcomes: 1 accepted, 1 refused (bad_signature 1), 1 skipped (no outcome)\n"
    assert captured.err.startswith("  row 3: bad_signature: ")


def test_an_outcome_lands_on_the_other_worker_than_its_prediction_and_the_counts_add_up(
    two_workers: LiveServer,
) -> None:
    server = two_workers
    """/predict's id, posted until both workers took it: one of them did not make the prediction, and
    verified it all the same. Each worker remembers only the outcomes it took, so it is counted once per
    worker (docs/monitoring.md) and the repeats as duplicates, summed over both."""
    answer = httpx.post(f"{server.url}/predict", json=typical_rows(server.manifest)[0]).json()
    token, column = answer["prediction_ids"][0], "label" if server.manifest.classes else "value"
    outcome = {"prediction_id": token, column: answer.get("label", answer.get("value"))}
    # Right by construction: the true outcome is what was predicted (a regressor's error exactly 0).
    hits = "model_outcomes_correct_total" if column == "label" else "model_outcomes_absolute_error_total"
    before, right = outcomes_counted(server), outcomes_counted(server, hits)
    rejected = outcomes_counted(server, "model_outcomes_rejected_total")
    posted = accepted = 0
    while accepted < 2 and posted < 200:
        # A connection each, so that the kernel hands them to either worker.
        accepted += httpx.post(f"{server.url}/v1/outcomes", json=outcome).status_code == 200
        posted += 1
    assert accepted == 2, "all 200 connections went to one worker"
    assert settled(server, before + 2) == before + 2
    duplicates = rejected + posted - 2
    assert settled(server, duplicates, "model_outcomes_rejected_total") == duplicates
    assert outcomes_counted(server, hits) == right + (2 if column == "label" else 0)


def test_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("id,label\n")
    assert main(["outcomes", "--input", str(path), "--url", "http://127.0.0.1:9"]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err
        == f"error: {path}: needs the columns prediction_id and one of {KINDS}; found id, label\n"
    )


def test_a_server_that_is_not_there_is_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from {{ cookiecutter.package }}.outcomes import upload

    monkeypatch.setattr(upload, "RETRY_WAITS", ())
    path = tmp_path / "labels.csv"
    path.write_text(f"prediction_id,business\n{'A' * 56},1\n")
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["outcomes", "--input", str(path), "--url", url]) == 1
    captured = capsys.readouterr()
    assert captured.out == "outcomes: 0 accepted, 0 refused, 0 skipped (no outcome)\n"
    assert captured.err.startswith(f"error: outcomes: could not reach {url}")
