"""The repository rulesets the delivery relies on: main changes by reviewed pull request only, and each
env/ branch is pushed only by the GitHub App of its own environment, whose key lives in that environment.

Rulesets that target the same branch add up, and the strictest wins (GitHub docs, "About rulesets",
"About rule layering"): a bypass granted by one ruleset does not lift another's rule.
"""

import json
from pathlib import Path
from typing import Any

from .environments import DELIVERED

# The deliver workflow reads each App's client id (an environment variable) and private key (an
# environment secret) under these names, in the GitHub environment of the same name.
CREDENTIALS = {env: (f"{env.upper()}_APP_CLIENT_ID", f"{env.upper()}_APP_PRIVATE_KEY") for env in DELIVERED}
# The retrain workflow's App, in the `training` environment: it pushes proposal branches and opens pull
# requests, and no ruleset lets it past main's review or onto an env/ branch.
CREDENTIALS["training"] = ("RETRAIN_APP_CLIENT_ID", "RETRAIN_APP_PRIVATE_KEY")
# The ci workflow's jobs that a pull request must pass.
REQUIRED_CHECKS = ("check", "test", "cluster", "model", "image")

Ruleset = dict[str, Any]


def branch_ruleset(
    name: str, refs: list[str], rules: list[dict[str, Any]], app_id: int | None = None
) -> Ruleset:
    """A branch ruleset as the REST API creates it (POST /repos/{owner}/{repo}/rulesets)."""
    bypass = [{"actor_id": app_id, "actor_type": "Integration", "bypass_mode": "always"}] if app_id else []
    return {
        "name": name,
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": bypass,
        "conditions": {"ref_name": {"include": refs, "exclude": []}},
        "rules": rules,
    }


def main_ruleset() -> Ruleset:
    """Pull requests only, reviewed by the code owners (.github/CODEOWNERS) and green on ci; no bypass."""
    review = {
        "dismiss_stale_reviews_on_push": True,
        "require_code_owner_review": True,
        "require_last_push_approval": True,
        "required_approving_review_count": 1,
        "required_review_thread_resolution": False,
    }
    checks = {
        "required_status_checks": [{"context": name} for name in REQUIRED_CHECKS],
        "strict_required_status_checks_policy": False,
    }
    rules: list[dict[str, Any]] = [
        {"type": "deletion"},
        {"type": "non_fast_forward"},
        {"type": "pull_request", "parameters": review},
        {"type": "required_status_checks", "parameters": checks},
    ]
    return branch_ruleset("main", ["~DEFAULT_BRANCH"], rules)


def rulesets(app_ids: dict[str, int]) -> dict[str, Ruleset]:
    """Every ruleset by file name. env/ history is append-only for everyone, the Apps included; each
    environment's branch is created and moved only by its own App."""
    found = {
        "main": main_ruleset(),
        "env-history": branch_ruleset(
            "env history", ["refs/heads/env/*"], [{"type": "deletion"}, {"type": "non_fast_forward"}]
        ),
    }
    for env in DELIVERED:
        rules = [{"type": "creation"}, {"type": "update"}]
        found[f"env-{env}"] = branch_ruleset(f"env/{env}", [f"refs/heads/env/{env}"], rules, app_ids[env])
    return found


def write_rulesets(out_dir: Path, app_ids: dict[str, int]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in rulesets(app_ids).items():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(body, indent=2) + "\n")
        written.append(path)
    return written
