"""Reading exactly the listed objects: every part of a prefix as one table, each at its listed version where
the store keeps versions, refused when a file changed while read or drifts from the first one's schema."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import SourceError
from {{ cookiecutter.package }}.model.reading import check_unchanged, read_parquet, read_source
from {{ cookiecutter.package }}.model.sources import list_source

from ..stores import DATA_BUCKET, PLAIN_BUCKET, Stores
from ..training import parquet_parts, put_objects
from .data_files import FRAME, write_parts


def test_a_local_prefix_reads_every_part_and_skips_writers_bookkeeping(tmp_path: Path) -> None:
    prefix = write_parts(tmp_path / "train")
    (prefix / "_SUCCESS").write_text("")
    (prefix / ".part-0.parquet.crc").write_text("")
    frame, record = read_source(str(prefix))
    assert len(frame) == len(FRAME)
    assert [file["key"] for file in record["files"]] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    assert record["rows"] == len(FRAME)
    assert record["skipped"] == []


def test_a_prefix_of_csv_files_reads_as_one_table(tmp_path: Path) -> None:
    frame, record = read_source(str(write_parts(tmp_path / "train", suffix=".csv")))
    assert frame["x"].tolist() == FRAME["x"].tolist()
    assert record["format"] == "csv"


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        (
            lambda part: part.drop(columns="x"),
            r"part-1.parquet lacks column 'x' \(double in part-0.parquet\)",
        ),
        (
            lambda part: part.assign(leak=1),
            r"part-1.parquet has column 'leak' \(int64\), which part-0.parquet lacks",
        ),
        (
            lambda part: part.assign(x=part["x"].astype(str)),
            "part-1.parquet has column 'x' as .*string, part-0.parquet as double",
        ),
    ],
    ids=["missing", "extra", "retyped"],
)
def test_parquet_files_that_drift_from_the_first_one_s_schema_are_refused_in_one_line(
    tmp_path: Path, drift: object, message: str
) -> None:
    """pyarrow takes the first file's schema: without the check a missing column is imputed, an extra one
    dropped and a retyped one cast, silently (issue 22, attack M5)."""
    prefix = write_parts(tmp_path / "train", parts=1)
    drift(FRAME.iloc[4:8]).to_parquet(prefix / "part-1.parquet", index=False)  # type: ignore[operator]
    with pytest.raises(SourceError, match=f"{message}; give every Parquet file one schema$") as refused:
        read_source(str(prefix))
    assert refused.value.exit_code == 1


@pytest.mark.cluster
def test_a_parquet_prefix_in_a_versioned_bucket_is_read_at_the_listed_versions(
    in_store: Stores,
) -> None:
    """A part rewritten after the listing is still read as listed: the rows are the fingerprinted ones."""
    objects = {f"pinned/part-{i}.parquet": body for i, body in enumerate(parquet_parts(FRAME, 3))}
    put_objects(in_store, DATA_BUCKET, objects)
    listing = list_source(f"s3://{DATA_BUCKET}/pinned/")
    assert all(file.version and file.etag for file in listing.files)
    put_objects(in_store, DATA_BUCKET, {"pinned/part-0.parquet": parquet_parts(FRAME.iloc[:1], 1)[0]})
    assert len(read_parquet(listing)) == len(FRAME)
    assert len(read_source(f"s3://{DATA_BUCKET}/pinned/")[0]) == len(FRAME) - 3


@pytest.mark.cluster
def test_an_unversioned_object_rewritten_while_read_is_refused(in_store: Stores) -> None:
    put_objects(in_store, PLAIN_BUCKET, {"moving/part-0.parquet": parquet_parts(FRAME, 1)[0]})
    listing = list_source(f"s3://{PLAIN_BUCKET}/moving/")
    assert [file.version for file in listing.files] == [None]
    put_objects(in_store, PLAIN_BUCKET, {"moving/part-0.parquet": parquet_parts(FRAME.iloc[:2], 1)[0]})
    with pytest.raises(SourceError, match=r"part-0\.parquet changed while it was read; train again"):
        check_unchanged(listing)
