"""Only settings.py may read the environment; everything else takes plain arguments."""

import re
from pathlib import Path

import {{ cookiecutter.package }}

PACKAGE_DIR = Path({{ cookiecutter.package }}.__file__).parent


def test_only_settings_reads_the_environment() -> None:
    readers = re.compile(r"os\.environ|os\.getenv|getenv\(")
    offenders = [
        str(path.relative_to(PACKAGE_DIR))
        for path in PACKAGE_DIR.rglob("*.py")
        if path.name != "settings.py" and readers.search(path.read_text())
    ]
    assert offenders == []
