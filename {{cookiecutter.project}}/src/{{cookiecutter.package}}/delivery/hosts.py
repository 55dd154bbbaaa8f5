"""Where each environment answers: host and scheme come from the rendered overlay, where they are set.

On the Gateway API the host is the HTTPRoute's; TLS ends at the shared Gateway's listener, which the
project does not render, so a route's host is served over https. An Ingress says itself whether it
terminates TLS for its host."""

from pathlib import Path
from typing import Any

from ..errors import Failure
from .environments import PREVIEW, PREVIEW_HOST_OF
from .kustomize import documents, kustomize
from .overlays import overlay_file

# A preview lives under the staging host, one sub-domain per pull request (see argocd/preview-appset.yaml).
PREVIEW_PREFIX = "pr-{number}."


def overlay_objects(root: Path, env: str) -> list[dict[str, Any]]:
    """The overlay as kustomize builds it, images unpinned: only its HTTPRoute or Ingress is read here."""
    built = kustomize(overlay_file(root, env).parent)
    return documents(built)


def ingresses(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [document.get("spec") or {} for document in documents if document.get("kind") == "Ingress"]


def route_hosts(documents: list[dict[str, Any]]) -> list[str]:
    specs = [document.get("spec") or {} for document in documents if document.get("kind") == "HTTPRoute"]
    return [str(host) for spec in specs for host in spec.get("hostnames", [])]


def find_host(documents: list[dict[str, Any]]) -> str:
    """The first host an HTTPRoute or an Ingress routes to the service."""
    hosts = route_hosts(documents)
    hosts += [
        rule["host"] for spec in ingresses(documents) for rule in spec.get("rules", []) if rule.get("host")
    ]
    if hosts:
        return str(hosts[0])
    raise Failure("the overlay routes no host: add one to its HTTPRoute's hostnames or its Ingress rule")


def covers(certificate_host: str, host: str) -> bool:
    """Whether a TLS host entry covers `host`; a wildcard covers exactly one more label, as in X.509."""
    if certificate_host.startswith("*."):
        return host.partition(".")[2] == certificate_host[2:]
    return certificate_host == host


def scheme_for(documents: list[dict[str, Any]], host: str) -> str:
    """https when the overlay routes through a Gateway or an Ingress terminates TLS for `host`, else http."""
    if any(document.get("kind") == "HTTPRoute" for document in documents):
        return "https"
    tls = [entry for spec in ingresses(documents) for entry in spec.get("tls", [])]
    return "https" if any(covers(name, host) for entry in tls for name in entry.get("hosts", [])) else "http"


def public_url(root: Path, env: str, pull_request: int | None = None) -> str:
    if env != PREVIEW:
        documents = overlay_objects(root, env)
        host = find_host(documents)
        return f"{scheme_for(documents, host)}://{host}"
    if pull_request is None:
        raise Failure("a preview URL needs the pull request number (--pr)")
    # The preview overlay names no host (the ApplicationSet adds it); its TLS section decides the scheme.
    parent_host = find_host(overlay_objects(root, PREVIEW_HOST_OF))
    host = PREVIEW_PREFIX.format(number=pull_request) + parent_host
    return f"{scheme_for(overlay_objects(root, PREVIEW), host)}://{host}"
