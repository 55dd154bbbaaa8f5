"""The object stores behind fsspec: which extra installs each, how to open one so that listings carry
object versions, and what each client's errors mean in one line."""

import importlib
from typing import Any
from urllib.parse import urlsplit

from ..errors import SourceError, first_line

# URI scheme -> the project extra that installs its fsspec filesystem (s3fs, gcsfs, adlfs).
STORE_EXTRAS = {"s3": "s3", "gs": "gcs", "gcs": "gcs", "abfs": "azure", "abfss": "azure", "az": "azure"}
# List object versions, so that a read can be pinned to them (S3 needs s3:ListBucketVersions for it,
# GCS lists generations anyway, Azure needs blob versioning on). Never cache filesystems between runs.
STORE_OPTIONS: dict[str, dict[str, Any]] = {
    "s3": {"version_aware": True},
    "gs": {"version_aware": True},
    "gcs": {"version_aware": True},
}
# The client libraries' own error types, by module: none is an OSError.
CLIENT_ERRORS = {
    "botocore.exceptions": ("BotoCoreError", "ClientError"),
    "google.auth.exceptions": ("GoogleAuthError",),
    "google.api_core.exceptions": ("GoogleAPIError",),
    "azure.core.exceptions": ("AzureError",),
}


def open_store(uri: str) -> tuple[Any, str]:
    """The fsspec filesystem for `uri` and the path it names; a missing extra is one line saying which."""
    from fsspec.core import url_to_fs

    scheme = urlsplit(uri).scheme
    if len(scheme) > 1 and scheme != "file" and scheme not in STORE_EXTRAS:
        known = ", ".join(sorted({f"{name}://" for name in ("s3", "gs", "abfs")}))
        raise SourceError(f"{uri}: unknown scheme {scheme!r}; use a path, {known}")
    try:
        filesystem, path = url_to_fs(uri, skip_instance_cache=True, **STORE_OPTIONS.get(scheme, {}))
    except ImportError:
        extra = STORE_EXTRAS[scheme]
        raise SourceError(
            f"{uri}: reading {scheme}:// needs the {extra!r} extra: `uv sync --extra {extra}` "
            "(the training image has it)"
        ) from None
    return filesystem, str(path)


def client_errors() -> tuple[type[BaseException], ...]:
    """The error types of the store clients that are installed; imported only once something failed."""
    found: list[type[BaseException]] = []
    for module_name, names in CLIENT_ERRORS.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found += [getattr(module, name) for name in names if hasattr(module, name)]
    return tuple(found)


def describe_store_error(error: Exception) -> str | None:
    """The cause of a failed listing or read in a few words; None for an error that is not about the data."""
    name = type(error).__name__.lower()
    if "credential" in name or "authentication" in name:
        return f"no usable credentials ({first_line(error)}): give the process credentials for this store"
    if isinstance(error, PermissionError):
        return f"access denied: {first_line(error)}"
    if isinstance(error, FileNotFoundError):
        return f"not found: {first_line(error)}"
    if isinstance(error, (OSError, ValueError, TypeError, *client_errors())):
        return f"cannot read: {first_line(error)}"
    return None
