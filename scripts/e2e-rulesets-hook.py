#!/usr/bin/env python3
"""A pre-receive hook for the end-to-end test's local remote: it enforces the rulesets `make rulesets`
writes (in rulesets/ beside the hook's repository), as GitHub layers them, for a pusher named by
DELIVERY_APP_ID (a GitHub App's id; unset, a person with write access).

GitHub's semantics as the generated tests read them: every active ruleset whose ref_name condition
matches a ref applies, and a change passes only if each applying ruleset that restricts it lists the
pusher among its bypass actors ("About rulesets", "About rule layering").
"""

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ZERO = "0" * 40
# The rules that stop each kind of change to a ref.
RESTRICTED_BY = {
    "create": {"creation"},
    "update": {"update", "pull_request"},
    "force-push": {"update", "non_fast_forward", "pull_request"},
    "delete": {"deletion"},
}


def change_of(old: str, new: str) -> str:
    if old == ZERO:
        return "create"
    if new == ZERO:
        return "delete"
    ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", old, new], check=False)
    return "update" if ancestor.returncode == 0 else "force-push"


def applies(ruleset: dict[str, Any], ref: str) -> bool:
    condition = ruleset["conditions"]["ref_name"]
    included = [pattern.replace("~DEFAULT_BRANCH", "refs/heads/main") for pattern in condition["include"]]
    return any(fnmatch.fnmatchcase(ref, pattern) for pattern in included) and not any(
        fnmatch.fnmatchcase(ref, pattern) for pattern in condition["exclude"]
    )


def refusal(rulesets: list[dict[str, Any]], pusher: int | None, change: str, ref: str) -> str | None:
    for ruleset in rulesets:
        restricting = {rule["type"] for rule in ruleset["rules"]} & RESTRICTED_BY[change]
        bypass = {actor["actor_id"] for actor in ruleset["bypass_actors"]}
        if applies(ruleset, ref) and restricting and pusher not in bypass:
            rules = ", ".join(sorted(restricting))
            return f"{change} of {ref} refused by ruleset {ruleset['name']!r} ({rules})"
    return None


def main() -> int:
    rulesets = [json.loads(path.read_text()) for path in sorted(Path("rulesets").glob("*.json"))]
    app = os.environ.get("DELIVERY_APP_ID")
    pusher = int(app) if app else None
    for line in sys.stdin:
        old, new, ref = line.split()
        refused = refusal(rulesets, pusher, change_of(old, new), ref)
        if refused:
            print(f"e2e rulesets: {refused}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
