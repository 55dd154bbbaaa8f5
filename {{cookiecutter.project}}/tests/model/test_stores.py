"""Object stores: an unknown scheme or a missing extra is one line, and a store's error says its cause."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import SourceError
from {{ cookiecutter.package }}.model.stores import describe_store_error, open_store


def test_a_local_path_opens_on_the_local_filesystem(tmp_path: Path) -> None:
    filesystem, path = open_store(str(tmp_path))
    assert filesystem.isdir(path)


def test_an_unknown_scheme_names_the_ones_there_are() -> None:
    with pytest.raises(
        SourceError, match=r"ftp://x/y: unknown scheme 'ftp'; use a path, abfs://, gs://, s3://"
    ):
        open_store("ftp://x/y")


class NoCredentialsError(Exception):
    """Named as botocore names its own."""


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (NoCredentialsError("Unable to locate credentials"), "no usable credentials (Unable to locate"),
        (PermissionError("403 Forbidden"), "access denied: 403 Forbidden"),
        (FileNotFoundError("bucket/key"), "not found: bucket/key"),
        (OSError("connection reset\ndetails"), "cannot read: connection reset"),
    ],
)
def test_a_store_error_is_its_cause_in_one_line(error: Exception, cause: str) -> None:
    assert (describe_store_error(error) or "").startswith(cause)
    assert "\n" not in (describe_store_error(error) or "")


def test_an_error_that_is_not_about_the_data_is_left_alone() -> None:
    assert describe_store_error(KeyError("bug")) is None
