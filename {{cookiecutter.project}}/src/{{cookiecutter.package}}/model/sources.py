"""Where training data lives: a path or an object-store URI (s3://, gs://, abfs://) naming one file or a
prefix of Parquet or CSV files, listed through fsspec with each object's size, ETag and version."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..errors import SourceError
from .stores import describe_store_error, open_store

# The file types a source may hold, by suffix; one type per source.
FORMATS = {".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class DataFile:
    path: str  # as the filesystem opens it
    key: str  # relative to the source, the same on every machine
    size: int
    etag: str | None = None
    # The object's version (S3 VersionId, GCS generation, Azure version id) when the store keeps one.
    version: str | None = None

    def record(self) -> dict[str, Any]:
        return {"key": self.key, "size": self.size, "etag": self.etag, "version": self.version}


@dataclass(frozen=True)
class Listing:
    """The files of a source, as listed once: the files read, and the files the fingerprint covers."""

    uri: str
    format: str
    files: tuple[DataFile, ...]
    filesystem: Any
    # Files under a prefix that are not data (neither hidden nor `_`-prefixed, yet not .parquet/.csv).
    skipped: tuple[str, ...] = ()


def is_local(source: str) -> bool:
    return urlsplit(source).scheme in ("", "file") or len(urlsplit(source).scheme) == 1


def check_uri(uri: str) -> None:
    """An object-store URI names its objects exactly: no `.` or `..` segments, no empty ones (`//` too),
    and no secrets (a password before the bucket, a SAS token), which are never echoed back."""
    parts = urlsplit(uri)
    if parts.password is not None:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment="").geturl()
        raise SourceError(f"{shown}: credentials do not belong in the URI; use the store's credential chain")
    if parts.query or parts.fragment:
        shown = parts._replace(query="", fragment="").geturl()
        raise SourceError(f"{shown}: a URI names a file or a prefix; drop the '?' or '#' part")
    # Only the one slash before a prefix's first segment and after its last may stand alone.
    path = parts.path.removeprefix("/").removesuffix("/")
    if path and any(segment in ("", ".", "..") for segment in path.split("/")):
        raise SourceError(f"{uri}: a URI must not hold '.', '..' or empty path segments")


@contextmanager
def reading(uri: str) -> Iterator[None]:
    """Turn what the filesystem, the store's client or pyarrow raise into one line naming the URI."""
    try:
        yield
    except SourceError:
        raise
    except Exception as error:
        if (cause := describe_store_error(error)) is None:
            raise
        raise SourceError(f"{uri}: {cause}") from None


def list_source(uri: str) -> Listing:
    """Every data file of the source, with its ETag and version: a single file, or a prefix's files."""
    if not is_local(uri):
        check_uri(uri)
    with reading(uri):
        filesystem, root = open_store(uri)
        found = filesystem.find(root, detail=True, withdirs=False)
    if not found:
        raise SourceError(missing_message(uri))
    single = len(found) == 1 and next(iter(found)) == root.rstrip("/")
    files, skipped = [], []
    for path, info in sorted(found.items()):
        key = PurePosixPath(path).name if single else path[len(root.rstrip("/")) + 1 :]
        if not single and any(part.startswith(("_", ".")) for part in key.split("/")):
            continue  # _SUCCESS, .crc and other writers' bookkeeping
        if PurePosixPath(key).suffix.lower() not in FORMATS:
            skipped.append(key)
            continue
        files.append(described(path, key, info))
    return Listing(
        uri, one_format(uri, files, single and bool(skipped)), tuple(files), filesystem, tuple(skipped)
    )


def missing_message(uri: str) -> str:
    if is_local(uri):
        return (
            f"{uri}: data file not found; training reads it from the repository, so commit it "
            "(README: Data in CI), or fetch it before make model"
        )
    return f"{uri}: nothing there: no object has this name and none starts with this prefix"


def described(path: str, key: str, info: dict[str, Any]) -> DataFile:
    etag = info.get("ETag") or info.get("etag")
    version = info.get("VersionId") or info.get("generation") or info.get("version_id")
    return DataFile(
        path=path,
        key=key,
        size=int(info.get("size") or 0),
        etag=str(etag).strip('"') if etag else None,
        version=str(version) if version and version != "null" else None,
    )


def one_format(uri: str, files: list[DataFile], unsupported_file: bool) -> str:
    if unsupported_file:
        raise SourceError(f"{uri}: unsupported file type; use .csv or .parquet")
    kinds = sorted({FORMATS[PurePosixPath(file.key).suffix.lower()] for file in files})
    if not kinds:
        raise SourceError(f"{uri}: no .parquet or .csv files under this prefix")
    if len(kinds) > 1:
        counts = ", ".join(
            f"{sum(FORMATS[PurePosixPath(f.key).suffix.lower()] == kind for f in files)} {kind}"
            for kind in kinds
        )
        raise SourceError(f"{uri}: mixes file types ({counts}); point [data] source at one type")
    return kinds[0]
