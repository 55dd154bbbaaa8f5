"""The project's tests, laid out like the package (runtime/, model/, serving/, batch/, delivery/);
infra/ tests the files that are not Python: k8s, Argo CD, workflows, Dockerfile, alerts, docs."""

import os
from pathlib import Path

# The generated project's root: the tests read its model.toml, k8s/, argocd/ and workflows.
PROJECT_DIR = Path(__file__).resolve().parents[1]

# Histogram gradient boosting fits, and OpenBLAS multiplies, on every CPU. Beside pytest-xdist's
# workers that oversubscribes the CPUs: threads spin waiting for one another, and the model tests took
# three times the CPU. Both read this once, when first loaded; pytest imports this package before any
# conftest, so before anything loads them.
os.environ.setdefault("OMP_NUM_THREADS", "1")
