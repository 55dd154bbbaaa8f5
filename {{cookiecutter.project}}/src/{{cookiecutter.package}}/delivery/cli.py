"""Delivery commands: set-image, publish, rollback, url, wait-for-revision, smoke."""

import argparse
import json
from pathlib import Path

# Handlers import their modules when they run: the serving image lacks the tools some of them need.


def add_delivery_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    command = commands.add_parser("set-image", help="Pin an image digest in one overlay")
    command.add_argument("--env", required=True, help="staging, production or preview")
    command.add_argument("--digest", required=True, help="sha256:<64 hex digits>")
    command.set_defaults(handler=run_set_image)

    command = commands.add_parser("publish", help="Commit paths and push, rebasing and retrying if rejected")
    command.add_argument("--message", required=True)
    command.add_argument("paths", nargs="+")
    command.set_defaults(handler=run_publish)

    command = commands.add_parser(
        "rollback", help="Commit and push a revert of an overlay's last image change"
    )
    command.add_argument("--env", required=True)
    command.set_defaults(handler=run_rollback)

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

    command = commands.add_parser("smoke", help="Check readiness and predict one typical row")
    command.add_argument("url")
    command.set_defaults(handler=run_smoke)


def run_set_image(args: argparse.Namespace) -> int:
    from .overlays import set_image

    changed = set_image(Path.cwd(), args.env, args.digest)
    print(f"{args.env}: {'pinned' if changed else 'already at'} {args.digest}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from .gitops import publish

    pushed = publish(Path.cwd(), args.message, args.paths)
    print("pushed" if pushed else "nothing to publish: the paths hold no change")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    from .gitops import rollback

    print(f"{args.env}: rolled back to {rollback(Path.cwd(), args.env)}")
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


def run_smoke(args: argparse.Namespace) -> int:
    from .probes import smoke

    print(json.dumps(smoke(args.url)))
    return 0
