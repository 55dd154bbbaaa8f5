"""Delivery commands: render, publish, rollback, register, propose, check-head, rulesets, url,
wait-for-revision, wait-for-canary, smoke. The handlers live in handlers.py."""

import argparse
from pathlib import Path
from typing import TypeAlias

from ..cli_values import http_url, seconds, whole
from . import handlers
from .environments import DELIVERED

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# What --env takes where deliver renders, publishes or registers.
DELIVERED_HELP = " or ".join(DELIVERED)


def add_delivery_commands(commands: Commands) -> None:
    add_git_commands(commands)
    add_setup_commands(commands)
    add_watch_commands(commands)


def add_outputs(command: argparse.ArgumentParser) -> None:
    command.add_argument("--record", type=Path, help="Append key=value outputs to this file ($GITHUB_OUTPUT)")
    command.add_argument(
        "--summary", type=Path, help="Append a Markdown line to this file ($GITHUB_STEP_SUMMARY)"
    )


def add_git_commands(commands: Commands) -> None:
    command = commands.add_parser("render", help="Render an environment at a source commit, images pinned")
    command.add_argument("--env", required=True, help=DELIVERED_HELP)
    command.add_argument("--source", required=True, help="The full commit id to render k8s/ from")
    command.add_argument("--digest", required=True, help="The server image's sha256:<64 hex digits>")
    command.add_argument("--batch-digest", help="The batch image's digest (default: the overlay's, all zero)")
    command.add_argument("--train-digest", help="The training image's digest (default: the overlay's)")
    command.add_argument(
        "--out", type=Path, required=True, help="Directory for manifests.yaml (and batch.yaml)"
    )
    command.set_defaults(handler=handlers.run_render)

    command = commands.add_parser("publish", help="Commit a rendered environment to its env/ branch and push")
    command.add_argument("--env", required=True, help=DELIVERED_HELP)
    command.add_argument("--from", dest="rendered", type=Path, required=True, help="The render's directory")
    command.add_argument("--source", required=True, help="The commit it was rendered from")
    command.add_argument("--digest", required=True, help="The server image digest it pins")
    command.add_argument("--batch-digest", help="The batch image digest it pins")
    command.add_argument("--model-sha256", required=True, help="The sha256 of the model in the image")
    command.add_argument(
        "--hold-batch", action="store_true", help="Keep the branch's batch workloads (while a canary runs)"
    )
    command.add_argument(
        "--skip-superseded",
        action="store_true",
        help="When the branch runs a newer commit, say so, record superseded=<commit> and exit 0",
    )
    command.add_argument("--allow-older", action="store_true", help="Publish even an older source commit")
    add_outputs(command)
    command.set_defaults(handler=handlers.run_publish)

    command = commands.add_parser("rollback", help="Revert a promotion on an env/ branch, if still the tip")
    command.add_argument("--env", required=True, help=DELIVERED_HELP)
    command.add_argument("--promotion", help="The promotion commit to revert (default: the branch tip's)")
    command.set_defaults(handler=handlers.run_rollback)


def add_setup_commands(commands: Commands) -> None:
    command = commands.add_parser(
        "register",
        help="Register the model in ARTIFACTS as the one ENV serves: the registry alias ENV names its "
        "version (with MLFLOW_TRACKING_URI)",
    )
    command.add_argument("--env", required=True, help=f"{DELIVERED_HELP}: the alias that names it")
    command.add_argument("--artifacts", type=Path, required=True, help="The model's artifacts directory")
    command.set_defaults(handler=handlers.run_register)

    command = commands.add_parser(
        "propose", help="Pin the registry's candidate in model.lock on a retrain/ branch and push it"
    )
    command.add_argument(
        "--out", type=Path, required=True, help="Directory for the pull request's branch, title and body"
    )
    command.add_argument(
        "--wait", type=seconds, default=0.0, help="Seconds to wait for a candidate newer than model.lock"
    )
    command.set_defaults(handler=handlers.run_propose)

    command = commands.add_parser(
        "check-head", help="Refuse unless this checkout is main's newest commit on the remote (retrain)"
    )
    command.set_defaults(handler=handlers.run_check_head)

    command = commands.add_parser("rulesets", help="Write the repository rulesets as JSON, for `gh api`")
    for env in ("staging", "production"):
        command.add_argument(f"--{env}-app-id", type=whole(1), required=True, help=f"App ID of the {env} App")
    command.add_argument("--out", type=Path, required=True, help="Directory for the JSON files")
    command.set_defaults(handler=handlers.run_rulesets)


def add_watch_commands(commands: Commands) -> None:
    command = commands.add_parser("url", help="Print the public URL of an environment")
    command.add_argument("--env", required=True)
    command.add_argument("--pr", type=whole(1), help="Pull request number, for a preview")
    command.set_defaults(handler=handlers.run_url)

    command = commands.add_parser("wait-for-revision", help="Poll URL/model until it serves REVISION")
    add_wanted(command)
    command.add_argument("--timeout", type=seconds, default=600.0, help="Seconds (default 600)")
    command.add_argument(
        "--samples", type=whole(1), default=20, help="Answers in a row that must report REVISION (default 20)"
    )
    command.set_defaults(handler=handlers.run_wait_for_revision)

    command = commands.add_parser("wait-for-canary", help="Watch a canary until it is promoted or aborted")
    add_wanted(command)
    command.add_argument("--timeout", type=seconds, default=3000.0, help="Seconds (default 3000)")
    command.add_argument(
        "--appear-within", type=seconds, default=900.0, help="Seconds for the canary to appear (default 900)"
    )
    command.add_argument(
        "--rendered",
        type=Path,
        help="The production render (make render): with an A/B stage, hand a canary holding its split over",
    )
    add_outputs(command)
    command.set_defaults(handler=handlers.run_wait_for_canary)

    command = commands.add_parser("smoke", help="Check readiness and predict one typical row")
    command.add_argument("url", type=http_url)
    command.add_argument(
        "--variant", choices=["canary"], help="Send X-Model-Variant: VARIANT, which routes to the canary"
    )
    command.add_argument("--model-sha256", help="Fail unless the answering pod serves this model")
    command.set_defaults(handler=handlers.run_smoke)


def add_wanted(command: argparse.ArgumentParser) -> None:
    command.add_argument("url", type=http_url)
    command.add_argument("revision")
    command.add_argument("--digest", help="The image digest /model must report too")
    command.add_argument("--model-sha256", help="The model sha256 /model must report too")
