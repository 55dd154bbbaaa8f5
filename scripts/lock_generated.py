"""Lock the generated project's dependencies: bake, `uv lock`, store the lock back as a template file."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project}}"
# An unusual project name, so that replacing it in the lock cannot touch anything else.
PLACEHOLDER = "zz-lock-placeholder"


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(
            cookiecutter(
                str(TEMPLATE_DIR), no_input=True, output_dir=scratch, extra_context={"project": PLACEHOLDER}
            )
        )
        (project / "uv.lock").unlink(missing_ok=True)
        # A uv reached through a pyenv shim pins PYENV_VERSION, hiding the project's Python from uv.
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYENV_VERSION", "PYENV_DIR"}}
        subprocess.run(["uv", "lock"], cwd=project, env=env, check=True)
        lock = (project / "uv.lock").read_text()
    if lock.count(f'name = "{PLACEHOLDER}"') != 1:
        print("error: expected the project name once in uv.lock", file=sys.stderr)
        return 1
    (PROJECT_TEMPLATE / "uv.lock").write_text(lock.replace(PLACEHOLDER, "{{ cookiecutter.project }}"))
    print(f"wrote {PROJECT_TEMPLATE / 'uv.lock'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
