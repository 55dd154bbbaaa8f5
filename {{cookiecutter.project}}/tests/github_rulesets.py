"""GitHub's rulesets as GitHub applies them, modelled: whether an actor may make a change to a ref.

The rules cited: rulesets targeting one branch all apply and the most restrictive wins, a bypass
lifting only its own ruleset's rules ("About rulesets", "About rule layering"); "Restrict
creations/updates/deletions" let only bypass actors make that change, and "Require a pull request before
merging" refuses direct pushes ("Available rules for rulesets").
"""

import fnmatch
from typing import Any

# The App IDs the tests give the two delivery Apps, and a person with write access.
APPS = {"staging": 101, "production": 202}
WRITER = 303
# The rules that stop each kind of change to a ref.
RESTRICTED_BY = {
    "create": {"creation"},
    "update": {"update", "pull_request"},
    "force-push": {"update", "non_fast_forward", "pull_request"},
    "delete": {"deletion"},
}


def applies(ruleset: dict[str, Any], ref: str) -> bool:
    condition = ruleset["conditions"]["ref_name"]
    patterns = [pattern.replace("~DEFAULT_BRANCH", "refs/heads/main") for pattern in condition["include"]]
    return any(fnmatch.fnmatchcase(ref, pattern) for pattern in patterns) and not any(
        fnmatch.fnmatchcase(ref, pattern) for pattern in condition["exclude"]
    )


def may(actor: int, change: str, ref: str, found: dict[str, dict[str, Any]]) -> bool:
    """Whether GitHub lets `actor` make `change` to `ref` under these rulesets, layered."""
    for ruleset in (ruleset for ruleset in found.values() if ruleset["enforcement"] == "active"):
        restricting = {rule["type"] for rule in ruleset["rules"]} & RESTRICTED_BY[change]
        bypass = {actor_["actor_id"] for actor_ in ruleset["bypass_actors"]}
        if applies(ruleset, ref) and restricting and actor not in bypass:
            return False
    return True
