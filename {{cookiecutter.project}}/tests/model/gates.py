"""Gate settings for tests that are not about speed.

The gate's latency check is a measurement: under pytest-xdist on a busy runner a single-row p99 can
cross the 5 ms budget by chance, and a test of quality, champions or tracking would then fail for a
reason it does not test. Those tests use a budget no machine misses; test_gate tests the latency check
itself with an impossible one.
"""

import json
import re
from pathlib import Path
from typing import Any

from {{ cookiecutter.package }}.model.config import GateConfig, load_config

from .. import PROJECT_DIR

UNTIMED_MS = 10_000.0


def untimed_gate(config: GateConfig | None = None, **fields: Any) -> GateConfig:
    """`config` (default: the template's gate) with `fields` set and a latency budget never crossed."""
    return (config or GateConfig()).model_copy(update={**fields, "latency_budget_ms": UNTIMED_MS})


def untimed_toml(text: str) -> str:
    """model.toml's text with a latency budget never crossed, set or added under [gate]."""
    budget = f"latency_budget_ms = {UNTIMED_MS}"
    text, replaced = re.subn(r"^latency_budget_ms = .*$", budget, text, count=1, flags=re.M)
    if not replaced:
        text = re.sub(r"^\[gate\]$", f"[gate]\n{budget}", text, count=1, flags=re.M)
    return text


def untimed_config(directory: Path) -> Path:
    """The project's own model.toml, copied into `directory` with a latency budget never crossed.

    Its data source is written absolute, since a relative one is read relative to the file.
    """
    original = PROJECT_DIR / "model.toml"
    source = load_config(original).data.source
    absolute = f"source = {json.dumps(source)}"
    text = re.sub(r"^source = .*$", absolute, original.read_text(), count=1, flags=re.M)
    copy = directory / "model.toml"
    copy.write_text(untimed_toml(text))
    return copy
