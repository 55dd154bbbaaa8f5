"""Data by path or URI: a file or a prefix of Parquet/CSV files, listed with versions and ETags; every way
it can fail is one line naming the URI, and exit code 1."""

import io
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.__main__ import main
from {{ cookiecutter.package }}.errors import SourceError
from {{ cookiecutter.package }}.model.data import fingerprint, load_dataset
from {{ cookiecutter.package }}.model.sources import list_source

from ..stores import DATA_BUCKET, Stores
from ..training import put_objects
from .data_files import FRAME, write_parts


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
