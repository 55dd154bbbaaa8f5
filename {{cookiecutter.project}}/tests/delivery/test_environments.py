"""Environment URLs come from the host each rendered overlay routes; previews live under staging."""

import json
from typing import Any

import pytest

from {{ cookiecutter.package }}.delivery.environments import find_host, public_url
from {{ cookiecutter.package }}.errors import CliError

from .. import PROJECT_DIR


def ingress(host: str | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"http": {"paths": []}}
    if host:
        rule["host"] = host
    return {"kind": "Ingress", "spec": {"rules": [rule]}}


def test_find_host_reads_the_ingress_rule() -> None:
    documents = [{"kind": "Service", "spec": {}}, ingress("api.example.com")]
    assert find_host(documents) == "api.example.com"


def test_find_host_reads_a_gateway_route() -> None:
    assert find_host([{"kind": "HTTPRoute", "spec": {"hostnames": ["api.example.com"]}}]) == "api.example.com"


def test_find_host_refuses_an_overlay_without_a_host() -> None:
    with pytest.raises(CliError, match="routes no host"):
        find_host([ingress(None)])


def test_preview_url_needs_the_pull_request_number() -> None:
    with pytest.raises(CliError, match="--pr"):
        public_url(PROJECT_DIR, "preview")


@pytest.mark.slow
def test_urls_of_the_real_overlays_are_the_hosts_chosen_at_bake_time() -> None:
    answers = json.loads((PROJECT_DIR / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert public_url(PROJECT_DIR, "staging") == f"https://{answers['staging_host']}"
    assert public_url(PROJECT_DIR, "production") == f"https://{answers['production_host']}"
    assert public_url(PROJECT_DIR, "preview", 7) == f"https://pr-7.{answers['staging_host']}"
