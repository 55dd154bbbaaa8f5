"""References to registered model versions, as `validate --champion` and delivery take them."""

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.registry import ModelRef, parse_model_uri


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("models:/ml-service@production", ModelRef("ml-service", alias="production")),
        ("models:/ml-service/12", ModelRef("ml-service", version="12")),
        ("artifacts/manifest.json", None),
    ],
)
def test_model_uris_name_an_alias_or_a_version(text: str, ref: ModelRef | None) -> None:
    assert parse_model_uri(text) == ref
    if ref is not None:
        assert str(ref) == text


@pytest.mark.parametrize(
    "text", ["models:/ml-service", "models:/ml-service@", "models:/a/b/c", "models:/x/v1"]
)
def test_malformed_model_uri_says_what_is_expected(text: str) -> None:
    with pytest.raises(Failure, match=r"expected models:/<name>@<alias> or models:/<name>/<version>"):
        parse_model_uri(text)
