"""Prune the files that belong to options the user turned off; nothing else."""

import json
import shutil
from pathlib import Path

# Rendered by cookiecutter; the pre-generation hook has already checked these are booleans.
RAW_OPTIONS = r"""{"include_preview": {{ cookiecutter.include_preview | tojson }}}"""

# Each option maps to the paths it owns; they are deleted when the option is off.
OWNED_PATHS = {
    "include_preview": ["k8s/overlays/preview", "argocd/preview-appset.yaml", "argocd/preview-project.yaml"],
}


def paths_to_prune(options: dict[str, bool]) -> list[str]:
    return [path for option, enabled in options.items() if not enabled for path in OWNED_PATHS[option]]


def prune(root: Path, paths: list[str]) -> None:
    for relative in paths:
        target = root / relative
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()


if __name__ == "__main__":
    prune(Path.cwd(), paths_to_prune(json.loads(RAW_OPTIONS)))
