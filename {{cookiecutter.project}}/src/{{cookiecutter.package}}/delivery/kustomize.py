"""The kustomize every render runs: the pinned release CI installs, else the copy inside kubectl."""

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from ..errors import Failure


def kustomize_command() -> list[str]:
    """`kustomize build` when installed (CI pins its release), else the copy built into kubectl."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    raise Failure("neither kustomize nor kubectl is on PATH; install one to render k8s/overlays")


def kustomize(directory: Path) -> str:
    command = [*kustomize_command(), str(directory)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Failure(f"{' '.join(command[:-1])} {directory} failed: {result.stderr.strip()}")
    return result.stdout


@cache
def kustomize_version() -> str:
    """Which kustomize renders, for the header: the same release must render staging and production."""
    command = ["kustomize", "version"]
    if kustomize_command()[0] == "kubectl":
        command = ["kubectl", "version", "--client"]
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    found = re.search(r"v\d+\.\d+\.\d+\S*", output.split("Kustomize Version:")[-1])
    return f"kustomize {found.group(0) if found else 'of unknown version'}"
