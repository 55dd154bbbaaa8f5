"""Each quoting filter, read back by its format's own parser, gives the text as typed."""

import json
import tomllib

import yaml
from answers import FREE_TEXT
from hypothesis import given, settings
from readers import paragraphs, unquote_dockerfile

from ml_template_filters import dockerfile_string, json_value, markdown_text, toml_string, yaml_string


def rendered_text(markdown: str) -> str:
    texts = paragraphs(markdown)
    assert len(texts) == 1, markdown
    return texts[0]


@settings(max_examples=300, derandomize=True, database=None)
@given(FREE_TEXT)
def test_every_format_reads_back_the_text_as_typed(text: str) -> None:
    assert yaml.safe_load(f"key: {yaml_string(text)}") == {"key": text}
    assert tomllib.loads(f"key = {toml_string(text)}") == {"key": text}
    assert json.loads(json_value(text)) == text
    assert unquote_dockerfile(dockerfile_string(text)) == text
    assert rendered_text(markdown_text(text)) == text


def test_json_value_writes_quotes_and_markup_as_typed() -> None:
    assert json_value("It's <b>&") == '"It\'s <b>&"'
    assert json_value(True) == "true"


def test_markdown_text_escapes_only_what_would_become_markup() -> None:
    assert markdown_text("A scikit-learn model, 3.5 times faster") == "A scikit-learn model, 3.5 times faster"
    assert markdown_text("# not a *heading*") == "\\# not a \\*heading\\*"
    assert markdown_text("2024. A year") == "2024\\. A year"
