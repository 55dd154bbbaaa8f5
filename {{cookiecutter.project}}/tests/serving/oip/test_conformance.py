"""Conformance with the Open Inference Protocol's own OpenAPI (specs/, copied byte for byte from
upstream): schemathesis runs every check it has against a live server, with the spec as the contract."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ...servers import LiveServer

SPEC = Path(__file__).with_name("specs") / "open_inference_rest.yaml"
# The one allowance. The spec's request schema admits any tensor: any name, shape and datatype. This
# model takes one tensor named "input" of [rows, features] numbers, so most schema-valid requests
# (the first schemathesis finds has an empty "inputs" list) are ones it cannot take; the protocol's
# prose says such a request fails "with an HTTP error status (typically 400)", which it gets.
ALLOWANCE = """
[[operations]]
include-path-regex = "/infer$"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400]
"""


def schemathesis_config(name: str, version: str) -> str:
    """The served model's name and version for the spec's path parameters, and the allowance."""
    parameters = ["[parameters]", f'"path.MODEL_NAME" = {json.dumps(name)}']
    parameters.append(f'"path.MODEL_VERSION" = {json.dumps(version)}')
    return "\n".join(parameters) + "\n" + ALLOWANCE


@pytest.mark.slow
def test_the_server_meets_the_open_inference_protocol_spec(server: LiveServer, tmp_path: Path) -> None:
    # The spec spells path parameters ${MODEL_NAME}, which OpenAPI tools read as "$" and {MODEL_NAME}.
    spec = tmp_path / SPEC.name
    spec.write_text(SPEC.read_text().replace("${", "{"))
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(server.manifest.name, server.manifest.version))
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", str(spec)]
    # 30 examples, not 100: a third of the CPU, and three 500s planted in a bake's infer route (on an
    # "id" longer than 5, on two request parameters, on an input of rank 3) were each found by 20, 30
    # and 100 examples alike.
    command += ["--url", server.url, "--checks", "all", "--max-examples", "30", "--seed", "1"]
    # Run from tmp_path: schemathesis keeps a cache in its working directory.
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
