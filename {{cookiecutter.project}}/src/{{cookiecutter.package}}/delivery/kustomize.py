"""The kustomize every render runs (the pinned release CI installs, else the copy inside kubectl), and
how delivery reads YAML: kustomize's output and the overlays' files."""

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import Failure

# libyaml's loader where PyYAML is built with it (its wheels are): the pure-Python one takes ten times
# as long over a rendered overlay. Both build the same objects.
LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def load_yaml(text: str) -> Any:
    """One YAML document, as yaml.safe_load reads it."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506  # LOADER is a SafeLoader, libyaml's or PyYAML's


def documents(text: str) -> list[dict[str, Any]]:
    """The documents of a YAML stream (kustomize's output), the empty ones left out."""
    return [document for document in yaml.load_all(text, Loader=LOADER) if document]


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
