"""Data by path or URI: a file or a prefix of Parquet/CSV files, listed with versions and ETags, read as
exactly the listed objects; every way it can fail is one line naming the URI, and exit code 1."""

import io
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.errors import SourceError
from {{ cookiecutter.package }}.model.data import fingerprint, load_dataset
from {{ cookiecutter.package }}.model.reading import check_unchanged, read_parquet, read_source
from {{ cookiecutter.package }}.model.sources import list_source

from ..stores import DATA_BUCKET, PLAIN_BUCKET, Stores
from ..training import parquet_parts, put_objects

FRAME = pd.DataFrame({"x": [float(i) for i in range(12)], "label": ["a", "b"] * 6})


@pytest.fixture
def in_store(object_store: Stores, monkeypatch: pytest.MonkeyPatch) -> Stores:
    """This process set up as a training pod: the store's endpoint and credentials in its environment."""
    for key, value in object_store.env().items():
        monkeypatch.setenv(key, value)
    return object_store


def write_parts(directory: Path, parts: int = 3, suffix: str = ".parquet") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for index in range(parts):
        part = FRAME.iloc[index * 4 : (index + 1) * 4]
        path = directory / f"part-{index}{suffix}"
        part.to_parquet(path, index=False) if suffix == ".parquet" else part.to_csv(path, index=False)
    return directory


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


def test_the_fingerprint_covers_the_files_read(tmp_path: Path) -> None:
    prefix = write_parts(tmp_path / "train")
    before = fingerprint(load_dataset(str(prefix), "label"))
    assert fingerprint(load_dataset(str(prefix), "label")) == before
    FRAME.iloc[:0].to_parquet(prefix / "part-3.parquet", index=False)  # same rows, one file more
    assert fingerprint(load_dataset(str(prefix), "label")) != before


def test_files_that_are_not_data_are_skipped_with_a_warning(tmp_path: Path) -> None:
    prefix = write_parts(tmp_path / "train")
    (prefix / "README.txt").write_text("schema notes")
    dataset = load_dataset(str(prefix), "label")
    assert any(
        "skipped 1 files that are not .parquet or .csv: README.txt" in line for line in dataset.warnings
    )


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: write_parts(write_parts(root, 1), 1, ".csv"), "mixes file types (1 csv, 1 parquet)"),
        (lambda root: root, "no .parquet or .csv files under this prefix"),
        (lambda root: root / "absent", "data file not found"),
    ],
    ids=["mixed", "empty", "absent"],
)
def test_a_local_prefix_that_cannot_train_is_refused(tmp_path: Path, make: object, message: str) -> None:
    root = tmp_path / "train"
    root.mkdir()
    (root / "notes.txt").write_text("x")
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        list_source(str(make(root)))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("s3://bucket/train/../secret/", "must not hold '.', '..' or empty path segments"),
        ("s3://bucket/train//x.parquet", "must not hold '.', '..' or empty path segments"),
        # Every key would shift by one character, and the fingerprint change for the same objects.
        ("s3://bucket//train/", "must not hold '.', '..' or empty path segments"),
        ("s4://bucket/train/", "unknown scheme 's4'"),
        ("s3://", "cannot read: Cannot traverse all of S3"),
    ],
)
def test_a_bad_uri_is_one_line_naming_it_with_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], uri: str, message: str
) -> None:
    code = main(["train", "--data", uri, "--target", "label", "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert code == 1
    assert error.startswith(f"error: {uri}: ")
    assert message in error
    assert error.count("\n") == 1


@pytest.mark.parametrize(
    ("uri", "shown", "message"),
    [
        (
            "s3://AKIAEXAMPLE:SECRET@bucket/train/",
            "s3://bucket/train/",
            "credentials do not belong in the URI",
        ),
        (
            "abfs://c@acct.dfs.core.windows.net/t/x.csv?sig=SECRET",
            "abfs://c@acct.dfs.core.windows.net/t/x.csv",
            "drop the '?'",
        ),
        ("s3://bucket/t/x.parquet?versionId=1", "s3://bucket/t/x.parquet", "drop the '?' or '#' part"),
    ],
    ids=["userinfo", "sas-token", "query"],
)
def test_a_secret_in_a_uri_is_refused_and_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], uri: str, shown: str, message: str
) -> None:
    code = main(["train", "--data", uri, "--target", "label", "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (1, 1)
    assert error.startswith(f"error: {shown}: ")
    assert message in error
    assert "SECRET" not in error


def test_no_credentials_is_one_line_naming_the_uri(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    # No instance metadata, no profile files: nowhere left to find credentials.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(SourceError, match=r"^s3://bucket/train/: no usable credentials \(Unable to locate"):
        list_source("s3://bucket/train/")


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


@pytest.mark.cluster
@pytest.mark.parametrize(
    ("objects", "uri", "message"),
    [
        (
            {"mixed/a.parquet": b"", "mixed/b.csv": b"x\n1\n"},
            "mixed/",
            "mixes file types (1 csv, 1 parquet); point [data] source at one type",
        ),
        ({}, "nothing/", "nothing there: no object has this name and none starts with this prefix"),
        ({"notdata/a.json": b"{}"}, "notdata/", "no .parquet or .csv files under this prefix"),
    ],
    ids=["mixed", "empty", "no-data"],
)
def test_an_s3_prefix_that_cannot_train_is_one_line_and_exit_code_1(
    in_store: Stores,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    objects: dict[str, bytes],
    uri: str,
    message: str,
) -> None:
    put_objects(in_store, DATA_BUCKET, objects)
    code = main(["train", "--data", f"s3://{DATA_BUCKET}/{uri}", "--target", "y", "--out", str(tmp_path)])
    assert code == 1
    assert capsys.readouterr().err == f"error: s3://{DATA_BUCKET}/{uri}: {message}\n"


@pytest.mark.cluster
def test_a_missing_bucket_is_named(in_store: Stores) -> None:
    with pytest.raises(
        SourceError, match=r"^s3://no-such-bucket/x/: not found: The specified bucket does not"
    ):
        list_source("s3://no-such-bucket/x/")


@pytest.mark.cluster
def test_a_csv_prefix_in_the_store_trains_like_a_local_file(in_store: Stores) -> None:
    buffers = [io.StringIO(), io.StringIO()]
    FRAME.iloc[:6].to_csv(buffers[0], index=False)
    FRAME.iloc[6:].to_csv(buffers[1], index=False)
    put_objects(in_store, DATA_BUCKET, {f"csv/{i}.csv": b.getvalue().encode() for i, b in enumerate(buffers)})
    dataset = load_dataset(f"s3://{DATA_BUCKET}/csv/", "label")
    assert dataset.classes == ["a", "b"]
    assert dataset.listing is not None
    assert dataset.listing["rows"] == len(FRAME)
