"""What each delivery command does; each imports its modules when it runs, since the serving image
lacks the tools some of them need (git, kustomize)."""

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .served import Wanted


def append(path: Path | None, text: str) -> None:
    """Append to a workflow file ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) when one is given."""
    if path is not None:
        with path.open("a") as file:
            file.write(text)


def run_render(args: argparse.Namespace) -> int:
    from .render import render_environment

    path = render_environment(
        Path.cwd(), args.env, args.source, args.digest, args.out, args.batch_digest, args.train_digest
    )
    print(f"{args.env}: rendered {args.source[:12]} with {args.digest} into {path}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from .ordering import Superseded
    from .promotions import Promotion, publish

    promotion = Promotion(args.source, args.digest, args.model_sha256, args.batch_digest)
    try:
        commit = publish(
            Path.cwd(),
            args.env,
            args.rendered,
            promotion,
            hold_batch=args.hold_batch,
            allow_older=args.allow_older,
        )
    except Superseded as superseded:
        if not args.skip_superseded:
            raise
        report_superseded(args, str(superseded.newer), str(superseded))
        return 0
    append(args.record, f"commit={commit}\n")
    print(f"{args.env}: env/{args.env} is at {commit}")
    return 0


def report_superseded(args: argparse.Namespace, newer: str, message: str) -> None:
    """A run overtaken by a newer delivery ends here, green and promoting nothing, and says why."""
    append(args.record, f"superseded={newer}\n")
    append(args.summary, f"**Superseded by {newer}**: {message}\n")
    print(message)


def run_rollback(args: argparse.Namespace) -> int:
    from .rollbacks import rollback

    print(rollback(Path.cwd(), args.env, args.promotion))
    return 0


def run_register(args: argparse.Namespace) -> int:
    from ..settings import TrackingSettings, read_settings

    # A workflow passes an unset repository variable as "": that is no server either.
    uri = read_settings(TrackingSettings).mlflow_tracking_uri or None
    if uri is None:
        print("no tracking server configured (MLFLOW_TRACKING_URI); registry aliases unchanged")
        return 0
    from ..lock import read_lock
    from .register import register

    registration = register(args.artifacts, args.env, uri, read_lock())
    how = "registered and " if registration.new_version else ""
    name, alias = registration.name, registration.alias
    print(f"{how}aliased: models:/{name}@{alias} is version {registration.version}")
    return 0


def run_propose(args: argparse.Namespace) -> int:
    """Write branch, title and body.md into --out for the pull request step; nothing when there is none."""
    from .. import registry
    from ..errors import Failure
    from ..manifest import project_name
    from ..settings import TrackingSettings, read_settings
    from .proposal import Nothing, propose

    uri = read_settings(TrackingSettings).mlflow_tracking_uri
    if not uri:
        raise Failure("propose reads the registry's candidate: set MLFLOW_TRACKING_URI")
    for name in ("branch", "title", "body.md"):
        (args.out / name).unlink(missing_ok=True)
    proposal = propose(Path.cwd(), registry.connect(uri), project_name(), args.wait)
    if isinstance(proposal, Nothing):
        if args.wait and not proposal.unchanged:
            raise Failure(f"{proposal.reason}, within {args.wait:g} s", exit_code=1)
        print(f"{proposal.reason}: nothing to propose")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "title").write_text(proposal.title + "\n")
    (args.out / "body.md").write_text(proposal.body)
    (args.out / "branch").write_text(proposal.branch + "\n")
    pinned = proposal.lock.version
    print(f"pushed {proposal.branch} ({proposal.commit[:12]}): model.lock pins version {pinned}")
    return 0


def run_check_head(args: argparse.Namespace) -> int:
    from .proposal import check_main_head

    print(f"{check_main_head(Path.cwd())[:12]} is main's newest commit")
    return 0


def run_rulesets(args: argparse.Namespace) -> int:
    from .environments import PRODUCTION, STAGING
    from .rulesets import write_rulesets

    app_ids = {STAGING: args.staging_app_id, PRODUCTION: args.production_app_id}
    for path in write_rulesets(args.out, app_ids):
        print(path)
    return 0


def run_url(args: argparse.Namespace) -> int:
    from .hosts import public_url

    print(public_url(Path.cwd(), args.env, args.pr))
    return 0


def wanted_of(args: argparse.Namespace) -> "Wanted":
    from .served import Wanted

    return Wanted(args.revision, args.digest, args.model_sha256)


def run_wait_for_revision(args: argparse.Namespace) -> int:
    from .served import wait_for_revision

    wait_for_revision(args.url, wanted_of(args), args.timeout, args.samples)
    print(f"{args.url} serves {args.revision}")
    return 0


def run_wait_for_canary(args: argparse.Namespace) -> int:
    from .canary import SUSTAIN_S, HandedOver, wait_for_canary
    from .handover import HOLD_S, rendered_split

    split = None if args.rendered is None else rendered_split(args.rendered)
    outcome = wait_for_canary(args.url, wanted_of(args), args.timeout, args.appear_within, split=split)
    if isinstance(outcome, HandedOver):
        message = (
            f"production: handed over: {args.revision[:12]} has held the experiment's {outcome.split}% split "
            f"for {HOLD_S:g}s after its health gates; Argo Rollouts' verdict promotes or aborts it"
        )
        append(args.record, f"handed-over={outcome.split}\n")
        append(args.summary, f"**Handed over** to the A/B stage: {message}\n")
        print(message)
        return 0
    if outcome is not None:
        message = f"production: superseded by {outcome.short()}: a newer delivery replaced this canary"
        report_superseded(args, str(outcome.revision), message)
        return 0
    print(f"{args.url} served {args.revision} on every answer for {SUSTAIN_S:g}s: the canary was promoted")
    return 0


def run_smoke(args: argparse.Namespace) -> int:
    from .smoke import smoke

    print(json.dumps(smoke(args.url, args.variant, args.model_sha256)))
    return 0
