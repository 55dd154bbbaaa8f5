"""Delivery commands: set-image, publish, rollback, url, wait-for-revision, smoke."""

import argparse
import json
from pathlib import Path

# Handlers import their modules when they run: the serving image lacks the tools some of them need.


def set_image(args: argparse.Namespace) -> int:
    from .overlays import set_image as pin

    changed = pin(Path.cwd(), args.env, args.digest)
    print(f"{args.env}: {'pinned' if changed else 'already at'} {args.digest}")
    return 0


def publish(args: argparse.Namespace) -> int:
    from .gitops import publish as commit_and_push

    pushed = commit_and_push(Path.cwd(), args.message, args.paths)
    print("pushed" if pushed else "nothing to publish: the paths hold no change")
    return 0


def rollback(args: argparse.Namespace) -> int:
    from .gitops import rollback as revert

    print(f"{args.env}: rolled back to {revert(Path.cwd(), args.env)}")
    return 0


def url(args: argparse.Namespace) -> int:
    from .environments import public_url

    print(public_url(Path.cwd(), args.env, args.pr))
    return 0


def wait_for_revision(args: argparse.Namespace) -> int:
    from .probes import wait_for_revision as wait

    wait(args.url, args.revision, args.timeout, args.samples)
    print(f"{args.url} serves {args.revision}")
    return 0


def smoke(args: argparse.Namespace) -> int:
    from .probes import smoke as check

    print(json.dumps(check(args.url)))
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    command = commands.add_parser("set-image", help="Pin an image digest in one overlay")
    command.add_argument("--env", required=True, help="staging, production or preview")
    command.add_argument("--digest", required=True, help="sha256:<64 hex digits>")
    command.set_defaults(handler=set_image)

    command = commands.add_parser("publish", help="Commit paths and push, rebasing and retrying if rejected")
    command.add_argument("--message", required=True)
    command.add_argument("paths", nargs="+")
    command.set_defaults(handler=publish)

    command = commands.add_parser(
        "rollback", help="Commit and push a revert of an overlay's last image change"
    )
    command.add_argument("--env", required=True)
    command.set_defaults(handler=rollback)

    command = commands.add_parser("url", help="Print the public URL of an environment")
    command.add_argument("--env", required=True)
    command.add_argument("--pr", type=int, help="Pull request number, for a preview")
    command.set_defaults(handler=url)

    command = commands.add_parser("wait-for-revision", help="Poll URL/model until it serves REVISION")
    command.add_argument("url")
    command.add_argument("revision")
    command.add_argument("--timeout", type=float, default=600.0, help="Seconds (default 600)")
    command.add_argument(
        "--samples", type=int, default=20, help="Answers in a row that must report REVISION (default 20)"
    )
    command.set_defaults(handler=wait_for_revision)

    command = commands.add_parser("smoke", help="Check readiness and predict one typical row")
    command.add_argument("url")
    command.set_defaults(handler=smoke)
