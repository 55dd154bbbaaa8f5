"""Environment URLs: host and scheme come from each overlay's HTTPRoute or Ingress; previews live under
staging."""

import json
from typing import Any

import pytest

from {{ cookiecutter.package }}.delivery.hosts import find_host, public_url, scheme_for
from {{ cookiecutter.package }}.errors import Failure

from .. import PROJECT_DIR


def ingress(host: str | None, tls_hosts: tuple[str, ...] = ()) -> dict[str, Any]:
    rule: dict[str, Any] = {"http": {"paths": []}}
    if host:
        rule["host"] = host
    spec: dict[str, Any] = {"rules": [rule]}
    if tls_hosts:
        spec["tls"] = [{"hosts": list(tls_hosts), "secretName": "tls"}]
    return {"kind": "Ingress", "spec": spec}


def route(*hosts: str) -> dict[str, Any]:
    return {"kind": "HTTPRoute", "spec": {"hostnames": list(hosts), "rules": []}}


def test_find_host_reads_the_ingress_rule() -> None:
    documents = [{"kind": "Service", "spec": {}}, ingress("api.example.com")]
    assert find_host(documents) == "api.example.com"


def test_find_host_reads_the_routes_first_hostname_served_over_https() -> None:
    """TLS ends at the shared Gateway's listener, which the project does not render."""
    documents = [{"kind": "Service", "spec": {}}, route("api.example.com", "www.example.com")]
    assert find_host(documents) == "api.example.com"
    assert scheme_for(documents, "api.example.com") == "https"


@pytest.mark.parametrize(
    ("tls_hosts", "scheme"),
    [
        ((), "http"),
        (("api.example.com",), "https"),
        (("*.example.com",), "https"),
        (("*.api.example.com",), "http"),
        (("other.example.com",), "http"),
    ],
)
def test_the_scheme_is_https_only_where_an_ingress_terminates_tls_for_the_host(
    tls_hosts: tuple[str, ...], scheme: str
) -> None:
    """verify must reach staging the way the user configured it: a TLS section on the Ingress, or none."""
    assert scheme_for([ingress("api.example.com", tls_hosts)], "api.example.com") == scheme


def test_find_host_refuses_an_overlay_without_a_host() -> None:
    with pytest.raises(Failure, match="routes no host"):
        find_host([ingress(None)])
    with pytest.raises(Failure, match="routes no host"):
        find_host([route()])


def test_preview_url_needs_the_pull_request_number() -> None:
    with pytest.raises(Failure, match="--pr"):
        public_url(PROJECT_DIR, "preview")


@pytest.mark.slow
def test_urls_of_the_real_overlays_are_the_hosts_chosen_at_bake_time() -> None:
    answers = json.loads((PROJECT_DIR / ".cruft.json").read_text())["context"]["cookiecutter"]
    # A Gateway's listener terminates TLS; the Ingresses ship without it (docs/deploy.md says how to add
    # it), so they answer over http.
    scheme = "https" if answers["traffic"] == "gateway-api" else "http"
    assert public_url(PROJECT_DIR, "staging") == f"{scheme}://{answers['staging_host']}"
    assert public_url(PROJECT_DIR, "production") == f"{scheme}://{answers['production_host']}"
    if (PROJECT_DIR / "k8s" / "overlays" / "preview").is_dir():
        assert public_url(PROJECT_DIR, "preview", 7) == f"{scheme}://pr-7.{answers['staging_host']}"
