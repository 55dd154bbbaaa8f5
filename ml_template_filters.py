"""Jinja filters that write free text (description, author) as typed, quoted for each file's format.

cookiecutter.json lists `QuotingExtension` under `_extensions`; cookiecutter and cruft import this module
from the template's root. The pre-generation hook has already refused line breaks and control characters,
so each filter deals only with its own format's quoting rules.

cruft imports this module once per process (cruft#253): `cruft update` renders the project's old template
commit and the new one with whichever version it imported first. Add filters under new names rather than
changing what an existing filter writes.
"""

import json
import re

from jinja2 import Environment
from jinja2.ext import Extension

# CommonMark lets a backslash escape any ASCII punctuation; these start inline markup anywhere in a
# line ($ is GitHub's math), and the block markers below only at its start.
MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<&~$])")
MARKDOWN_LINE_START = re.compile(r"^([#>+\-=|])|^(\d{1,9})([.)])")


def yaml_string(text: str) -> str:
    """A single-quoted YAML scalar: every printable character stands for itself, `'` is written twice."""
    return "'" + text.replace("'", "''") + "'"


def toml_string(text: str) -> str:
    """A TOML basic string: only the backslash and the double quote need escaping."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def json_value(value: object) -> str:
    """JSON that keeps the text as typed (Jinja's `tojson` writes `'`, `&` and `<` as `\\u00XX`)."""
    return json.dumps(value, ensure_ascii=False)


def dockerfile_string(text: str) -> str:
    """A double-quoted word of a Dockerfile instruction: `\\`, `"` and `$` (variable expansion) escaped.

    BuildKit's shell lexer (frontend/dockerfile/shell/lex.go, processDoubleQuote) unescapes exactly
    these three inside double quotes and keeps any other backslash.
    """
    return '"' + re.sub(r'([\\"$])', r"\\\1", text) + '"'


def markdown_text(text: str) -> str:
    """A paragraph of Markdown that renders as the text itself, with no emphasis, link, HTML or heading."""
    escaped = MARKDOWN_INLINE.sub(r"\\\1", text)
    return MARKDOWN_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)


FILTERS = {
    "yaml_string": yaml_string,
    "toml_string": toml_string,
    "json_value": json_value,
    "dockerfile_string": dockerfile_string,
    "markdown_text": markdown_text,
}


class QuotingExtension(Extension):
    """Registers one filter per file format."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
