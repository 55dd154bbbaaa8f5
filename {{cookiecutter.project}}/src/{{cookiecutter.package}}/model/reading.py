"""Read exactly the files a source listed: each pinned to its listed version where the store keeps
versions, else checked unchanged once read, so that the rows trained on are the rows fingerprinted."""

import hashlib
import json
from typing import Any

import pandas as pd

from ..errors import SourceError
from .sources import DataFile, Listing, list_source, reading


def read_source(uri: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The source's rows as one frame, and the record of what was read (files, versions, rows)."""
    listing = list_source(uri)
    with reading(uri):
        frame = read_parquet(listing) if listing.format == "parquet" else read_csv(listing)
    check_unchanged(listing)
    if frame.empty:
        raise SourceError(f"{uri}: {'file has' if len(listing.files) == 1 else 'files have'} no rows")
    return frame, record_of(listing, len(frame))


def versioned_path(listing: Listing, file: DataFile) -> str:
    """The path to open: with its version on S3 (s3fs reads `key?versionId=...` when version-aware)."""
    if file.version and listing.uri.startswith("s3://"):
        return f"{file.path}?versionId={file.version}"
    return file.path


def read_parquet(listing: Listing) -> pd.DataFrame:
    """Parquet through one pyarrow dataset over the listed files (not a re-listing of the prefix)."""
    import pyarrow.dataset as ds

    paths = [versioned_path(listing, file) for file in listing.files]
    dataset = ds.dataset(paths, filesystem=listing.filesystem, format="parquet")
    check_one_schema(listing, [fragment.physical_schema for fragment in dataset.get_fragments()])
    frame: pd.DataFrame = dataset.to_table().to_pandas()
    return frame


def check_one_schema(listing: Listing, schemas: list[Any]) -> None:
    """Every file has the first one's columns and types, as CSV files must share one header: pyarrow
    would take the first file's schema and drop, impute or cast the others' columns without a word."""
    first, key = {field.name: field.type for field in schemas[0]}, listing.files[0].key
    for file, schema in zip(listing.files[1:], schemas[1:], strict=True):
        columns = {field.name: field.type for field in schema}
        for name in sorted(first.keys() | columns.keys()):
            if name not in columns:
                problem = f"lacks column {name!r} ({first[name]} in {key})"
            elif name not in first:
                problem = f"has column {name!r} ({columns[name]}), which {key} lacks"
            elif first[name] != columns[name]:
                problem = f"has column {name!r} as {columns[name]}, {key} as {first[name]}"
            else:
                continue
            raise SourceError(f"{listing.uri}: {file.key} {problem}; give every Parquet file one schema")


def read_csv(listing: Listing) -> pd.DataFrame:
    """CSV through pandas, no date guessing. pandas' missing-value spellings ("NA", "None"...) are missing
    in columns of numbers; a column of text keeps them as text, only an empty cell missing, as a
    Parquet file's text and as serving reads a category (manifest.MISSING_SPELLINGS)."""
    frame = _concat([_read_csv(listing, file) for file in listing.files], listing)
    text = [name for name in frame.columns if pd.api.types.is_string_dtype(frame[name])]
    if not text or not frame[text].isna().any().any():
        return frame
    as_written = {"usecols": text, "dtype": str, "keep_default_na": False, "na_values": [""]}
    frame[text] = _concat([_read_csv(listing, file, **as_written) for file in listing.files], listing)
    return frame


def _read_csv(listing: Listing, file: DataFile, **options: Any) -> pd.DataFrame:
    with listing.filesystem.open(versioned_path(listing, file), "rb") as stream:
        frame: pd.DataFrame = pd.read_csv(stream, **options)
    return frame


def _concat(frames: list[pd.DataFrame], listing: Listing) -> pd.DataFrame:
    if len({tuple(frame.columns) for frame in frames}) > 1:
        raise SourceError(f"{listing.uri}: its CSV files have different columns; give them one header")
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def check_unchanged(listing: Listing) -> None:
    """A file read without a version pin must still have its listed ETag: a write during the read would
    train on rows the fingerprint does not describe."""
    unpinned = [file for file in listing.files if file.etag and versioned_path(listing, file) == file.path]
    if not unpinned:
        return
    with reading(listing.uri):
        listing.filesystem.invalidate_cache()
        for file in unpinned:
            info = listing.filesystem.info(file.path)
            etag = str(info.get("ETag") or info.get("etag") or "").strip('"')
            if etag != file.etag:
                raise SourceError(f"{listing.uri}: {file.key} changed while it was read; train again")


def record_of(listing: Listing, rows: int) -> dict[str, Any]:
    """What was read, for data.json, the model card and the tracked run; its sha256 joins the fingerprint."""
    files = [file.record() for file in listing.files]
    content = {"format": listing.format, "rows": rows, "files": files}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return {"uri": listing.uri, **content, "listing_sha256": digest, "skipped": list(listing.skipped)}
