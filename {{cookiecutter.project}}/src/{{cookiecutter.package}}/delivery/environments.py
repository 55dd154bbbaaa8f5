"""Where each environment answers: the host comes from the rendered overlay, the one place it is set."""

import subprocess
from pathlib import Path
from typing import Any

import yaml

from ..errors import CliError
from .overlays import overlay_file

# A preview lives under the staging host, one sub-domain per pull request (see argocd/preview-appset.yaml).
PREVIEW_PREFIX = "pr-{number}."


def render(overlay_dir: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        ["kubectl", "kustomize", str(overlay_dir)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CliError(f"kubectl kustomize {overlay_dir} failed: {result.stderr.strip()}")
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def find_host(documents: list[dict[str, Any]]) -> str:
    """The first host an Ingress or a Gateway API HTTPRoute routes to the service."""
    for document in documents:
        spec = document.get("spec") or {}
        if document.get("kind") == "Ingress":
            hosts = [rule["host"] for rule in spec.get("rules", []) if rule.get("host")]
        elif document.get("kind") == "HTTPRoute":
            hosts = list(spec.get("hostnames", []))
        else:
            continue
        if hosts:
            return str(hosts[0])
    raise CliError("the overlay routes no host: add an Ingress rule host to it")


def public_url(root: Path, env: str, pull_request: int | None = None) -> str:
    if env == "preview":
        if pull_request is None:
            raise CliError("a preview URL needs the pull request number (--pr)")
        host = find_host(render(overlay_file(root, "staging").parent))
        return f"https://{PREVIEW_PREFIX.format(number=pull_request)}{host}"
    return f"https://{find_host(render(overlay_file(root, env).parent))}"
