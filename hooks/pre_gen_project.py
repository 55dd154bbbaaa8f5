"""Validate the answers before anything is generated; exit 1 with one readable line on the first bad one."""

import json
import keyword
import re
import sys

FIELDS = (
    "project",
    "package",
    "description",
    "author",
    "github_owner",
    "python_version",
    "dataset",
    "estimator",
    "staging_host",
    "production_host",
    "include_preview",
)
# Rendered by cookiecutter; tojson escapes quotes, so any answer survives the trip into this literal.
RAW_CONTEXT = r"""{{ cookiecutter | tojson }}"""

# `<project>-production` and `<project>-pr-<n>` must stay valid 63-character namespace names,
# and `<project>-server-canary` a valid Service name.
MAX_PROJECT_LENGTH = 40
CHOICES = {
    "python_version": ("3.13", "3.12", "3.11"),
    "dataset": ("breast_cancer", "wine", "diabetes"),
    "estimator": ("linear", "random_forest", "gradient_boosting"),
}
PROJECT_RE = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
PACKAGE_RE = re.compile(r"[a-z][a-z0-9_]*")
OWNER_RE = re.compile(r"[A-Za-z0-9](-?[A-Za-z0-9])*")
HOST_LABEL_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
FREE_TEXT_FORBIDDEN = re.compile(r'["\\\n\r]')


def check_project(value: object) -> str | None:
    if not isinstance(value, str) or not PROJECT_RE.fullmatch(value):
        return "must be lowercase letters, digits and '-', start with a letter and end with a letter or digit"
    if len(value) > MAX_PROJECT_LENGTH:
        return f"must be at most {MAX_PROJECT_LENGTH} characters so that derived Kubernetes names stay valid"
    return None


def check_package(value: object) -> str | None:
    if not isinstance(value, str) or not PACKAGE_RE.fullmatch(value) or keyword.iskeyword(value):
        return "must be a lowercase Python identifier (letters, digits, '_'), not a keyword"
    if value in sys.stdlib_module_names:
        return "must not shadow a standard-library module"
    return None


def check_text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must not be empty"
    if FREE_TEXT_FORBIDDEN.search(value):
        return "must be one line without double quotes or backslashes"
    return None


def check_owner(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 39 or not OWNER_RE.fullmatch(value):
        return "must be a GitHub user or organisation: letters, digits and single '-', at most 39 characters"
    return None


def check_host(value: object) -> str | None:
    labels = value.split(".") if isinstance(value, str) else []
    if (
        len(labels) < 2
        or len(str(value)) > 253
        or not all(HOST_LABEL_RE.fullmatch(x) and len(x) <= 63 for x in labels)
    ):
        return "must be a lowercase DNS name with at least two labels, such as app.example.com"
    return None


def check_bool(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be a JSON boolean (true or false)"


CHECKS = {
    "project": check_project,
    "package": check_package,
    "description": check_text,
    "author": check_text,
    "github_owner": check_owner,
    "staging_host": check_host,
    "production_host": check_host,
    "include_preview": check_bool,
}


def find_error(answers: dict[str, object]) -> str | None:
    """Return a one-line message for the first invalid answer, or None when all are valid."""
    for field, value in answers.items():
        rule = CHECKS[field](value) if field in CHECKS else None
        if field in CHOICES and value not in CHOICES[field]:
            rule = "must be one of " + ", ".join(CHOICES[field])
        if rule:
            return f"invalid {field}={value!r}: {rule}"
    if answers["staging_host"] == answers["production_host"]:
        return f"invalid production_host={answers['production_host']!r}: must differ from staging_host"
    return None


def main() -> int:
    context = json.loads(RAW_CONTEXT)
    error = find_error({field: context.get(field) for field in FIELDS})
    if error:
        print(f"ml-template: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
