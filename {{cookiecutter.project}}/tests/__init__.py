"""The project's tests, laid out like the package: model/, serving/, delivery/."""

from pathlib import Path

# The generated project's root: the tests read its model.toml, k8s/, argocd/ and workflows.
PROJECT_DIR = Path(__file__).resolve().parents[1]
