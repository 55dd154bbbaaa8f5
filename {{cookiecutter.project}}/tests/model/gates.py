"""Gate settings for tests that are not about speed.

The gate's latency check is a measurement: under pytest-xdist on a busy runner a single-row p99 can
cross the 5 ms budget by chance, and a test of quality, champions or tracking would then fail for a
reason it does not test. Those tests use a budget no machine misses; test_gate tests the latency check
itself with an impossible one.
"""

from typing import Any

from {{ cookiecutter.package }}.model.config import GateConfig

UNTIMED_MS = 10_000.0


def untimed_gate(config: GateConfig | None = None, **fields: Any) -> GateConfig:
    """`config` (default: the template's gate) with `fields` set and a latency budget never crossed."""
    return (config or GateConfig()).model_copy(update={**fields, "latency_budget_ms": UNTIMED_MS})
