"""Prune the files that belong to options the user turned off; nothing else."""

import json
import shutil
from pathlib import Path

# Rendered by cookiecutter: each option as a boolean (cookiecutter has checked the traffic choice and the
# pre-generation hook include_preview).
RAW_OPTIONS = r"""{
    "include_preview": {{ cookiecutter.include_preview | tojson }},
    "gateway_api": {{ (cookiecutter.traffic == "gateway-api") | tojson }},
    "ingress": {{ (cookiecutter.traffic == "ingress") | tojson }}
}"""

# Each option maps to the paths it owns; they are deleted when the option is off.
OWNED_PATHS = {
    "include_preview": ["k8s/overlays/preview", "argocd/preview-appset.yaml", "argocd/preview-project.yaml"],
    "gateway_api": [
        "k8s/base/httproute.yaml",
        "k8s/base/gateway-api-transform.yaml",
        "k8s/overlays/production/services.yaml",
        "k8s/overlays/production/analysistemplate-shadow.yaml",
        "k8s/platform",
        "k8s/components/experiment",
        "tests/infra/test_gateway.py",
        "tests/infra/test_experiment_stage.py",
        "tests/infra/test_shadow_analysis.py",
    ],
    "ingress": ["k8s/base/ingress.yaml", "tests/infra/test_ingress.py"],
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
