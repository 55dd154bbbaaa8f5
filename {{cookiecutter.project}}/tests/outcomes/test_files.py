"""Outcome files: CSV and Parquet streamed in batches, with one readable line for a file that is no
outcome file."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.outcomes.files import read_rows

ID = "A" * 56


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_csv_streams_in_batches_with_its_line_numbers(tmp_path: Path) -> None:
    lines = "".join(f"{ID},{index % 2},extra\n" for index in range(5))
    path = write_csv(tmp_path / "labels.csv", f"prediction_id,label,note\n{lines}")
    batches = list(read_rows(path, 2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert batches[0][1] == (3, {"prediction_id": ID, "label": "1"})


def test_numbers_are_numbers_and_an_empty_cell_is_no_outcome(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "values.csv", f"value,prediction_id\n1.5,{ID}\n,{ID}\nabc,{ID}\n")
    rows = next(read_rows(path, 10))
    assert rows == [
        (2, {"prediction_id": ID, "value": 1.5}),
        (3, None),
        (4, {"prediction_id": ID, "value": "abc"}),
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,label", "needs the columns prediction_id and one of label, value, business; found id, label"),
        ("prediction_id,label,value", "needs the columns prediction_id and one of"),
        ("prediction_id", "needs the columns"),
    ],
)
def test_a_file_without_the_columns_is_refused_in_one_line(tmp_path: Path, header: str, message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", f"{header}\n")
    with pytest.raises(Failure, match=message):
        list(read_rows(path, 10))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ragged.csv", f"prediction_id,label\n{ID},1,2\n", "line 2 has 3 fields, the header 2"),
        ("binary.csv", b"prediction_id,label\n\xff\xfe\n", "not a readable CSV file"),
        ("table.xlsx", "x", "unsupported file type"),
        ("fake.parquet", "prediction_id,label\n", "not a Parquet file"),
        ("missing.csv", None, "input not found"),
    ],
)
def test_a_bad_file_is_refused_in_one_line(
    tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(Failure, match=message):
        list(read_rows(path, 10))


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="not a regular file"):
        list(read_rows(tmp_path, 10))


def test_parquet_streams_typed_values_and_skips_missing_ones(tmp_path: Path) -> None:
    table = pa.table(
        {
            "prediction_id": [ID] * 5,
            "business": [1.0, None, float("nan"), 2.5, float("inf")],
            "other": ["a"] * 5,
        }
    )
    path = tmp_path / "business.parquet"
    pq.write_table(table, path, row_group_size=2)
    rows = [row for batch in read_rows(path, 3) for row in batch]
    assert rows == [
        (1, {"prediction_id": ID, "business": 1.0}),
        (2, None),
        (3, None),
        (4, {"prediction_id": ID, "business": 2.5}),
        (5, {"prediction_id": ID, "business": "inf"}),
    ]


def test_parquet_labels_keep_their_type(tmp_path: Path) -> None:
    path = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"prediction_id": [ID, ID], "label": [True, False]}), path)
    assert [outcome for _, outcome in next(read_rows(path, 10))] == [
        {"prediction_id": ID, "label": True},
        {"prediction_id": ID, "label": False},
    ]
