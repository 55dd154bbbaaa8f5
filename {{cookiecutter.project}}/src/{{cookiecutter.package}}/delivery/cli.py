"""Delivery commands: render, publish, rollback, register, url, wait-for-revision, wait-for-canary, smoke."""

import argparse
import json
from pathlib import Path

# Handlers import their modules when they run: the serving image lacks the tools some of them need.


def add_delivery_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    add_git_commands(commands)
    add_probe_commands(commands)


def add_git_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    command = commands.add_parser("render", help="Render an environment at a source commit, image pinned")
    command.add_argument("--env", required=True, help="staging or production")
    command.add_argument("--source", required=True, help="The full commit id to render k8s/ from")
    command.add_argument("--digest", required=True, help="sha256:<64 hex digits>")
    command.add_argument("--out", type=Path, required=True, help="Directory for manifests.yaml")
    command.set_defaults(handler=run_render)

    command = commands.add_parser("publish", help="Commit a rendered environment to its env/ branch and push")
    command.add_argument("--env", required=True, help="staging or production")
    command.add_argument("--from", dest="rendered", type=Path, required=True, help="The render's directory")
    command.add_argument("--source", required=True, help="The commit it was rendered from")
    command.add_argument("--digest", required=True, help="The image digest it pins")
    command.add_argument("--model-sha256", required=True, help="The sha256 of the model in the image")
    command.add_argument("--record", type=Path, help="Append commit=<sha> to this file ($GITHUB_OUTPUT)")
    command.set_defaults(handler=run_publish)

    command = commands.add_parser("rollback", help="Revert a promotion on an env/ branch, if still the tip")
    command.add_argument("--env", required=True, help="staging or production")
    command.add_argument("--promotion", help="The promotion commit to revert (default: the branch tip)")
    command.set_defaults(handler=run_rollback)

    command = commands.add_parser(
        "register",
        help="Point the registry alias of ENV at the model in ARTIFACTS (with MLFLOW_TRACKING_URI)",
    )
    command.add_argument("--env", required=True, help="staging or production: the alias to move")
    command.add_argument("--artifacts", type=Path, required=True, help="The model's artifacts directory")
    command.set_defaults(handler=run_register)


def add_probe_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    command = commands.add_parser("url", help="Print the public URL of an environment")
    command.add_argument("--env", required=True)
    command.add_argument("--pr", type=int, help="Pull request number, for a preview")
    command.set_defaults(handler=run_url)

    command = commands.add_parser("wait-for-revision", help="Poll URL/model until it serves REVISION")
    command.add_argument("url")
    command.add_argument("revision")
    command.add_argument("--timeout", type=float, default=600.0, help="Seconds (default 600)")
    command.add_argument(
        "--samples", type=int, default=20, help="Answers in a row that must report REVISION (default 20)"
    )
    command.set_defaults(handler=run_wait_for_revision)

    command = commands.add_parser("wait-for-canary", help="Watch a canary until it is promoted or aborted")
    command.add_argument("url")
    command.add_argument("revision")
    command.add_argument("--timeout", type=float, default=3000.0, help="Seconds (default 3000)")
    command.add_argument(
        "--appear-within", type=float, default=900.0, help="Seconds for the canary to appear (default 900)"
    )
    command.set_defaults(handler=run_wait_for_canary)

    command = commands.add_parser("smoke", help="Check readiness and predict one typical row")
    command.add_argument("url")
    command.set_defaults(handler=run_smoke)


def run_render(args: argparse.Namespace) -> int:
    from .render import render_environment

    path = render_environment(Path.cwd(), args.env, args.source, args.digest, args.out)
    print(f"{args.env}: rendered {args.source[:12]} with {args.digest} into {path}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from .promotions import Promotion, publish

    promotion = Promotion(args.source, args.digest, args.model_sha256)
    commit = publish(Path.cwd(), args.env, args.rendered, promotion)
    if args.record:
        with args.record.open("a") as record:
            record.write(f"commit={commit}\n")
    print(f"{args.env}: env/{args.env} is at {commit}")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    from .promotions import rollback

    print(rollback(Path.cwd(), args.env, args.promotion))
    return 0


def run_register(args: argparse.Namespace) -> int:
    from ..settings import get_settings

    # A workflow passes an unset repository variable as "": that is no server either.
    uri = get_settings().mlflow_tracking_uri or None
    if uri is None:
        print("no tracking server configured (MLFLOW_TRACKING_URI); registry aliases unchanged")
        return 0
    from .aliases import move_alias

    moved = move_alias(args.artifacts, args.env, uri)
    how = "registered and " if moved.registered else ""
    print(f"{how}aliased: models:/{moved.name}@{moved.alias} is version {moved.version}")
    return 0


def run_url(args: argparse.Namespace) -> int:
    from .environments import public_url

    print(public_url(Path.cwd(), args.env, args.pr))
    return 0


def run_wait_for_revision(args: argparse.Namespace) -> int:
    from .probes import wait_for_revision

    wait_for_revision(args.url, args.revision, args.timeout, args.samples)
    print(f"{args.url} serves {args.revision}")
    return 0


def run_wait_for_canary(args: argparse.Namespace) -> int:
    from .canary import wait_for_canary

    wait_for_canary(args.url, args.revision, args.timeout, args.appear_within)
    print(f"{args.url} serves {args.revision} on every answer: the canary was promoted")
    return 0


def run_smoke(args: argparse.Namespace) -> int:
    from .probes import smoke

    print(json.dumps(smoke(args.url)))
    return 0
