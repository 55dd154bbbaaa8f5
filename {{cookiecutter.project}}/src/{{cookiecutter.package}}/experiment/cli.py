"""`experiment verdict` (is the challenger better, worse, or not yet known?) and `experiment simulate`."""

import argparse
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..cli_values import http_url, seconds, whole
from ..errors import Failure
from ..manifest import Experiment, duration_seconds, require_manifest
from ..runtime.settings import RuntimeSettings
from ..settings import read_settings
from .decision import EXIT_CODES, Decision

_VERSION = re.compile(r"[0-9a-f]{12,64}")
_POD_HASH = re.compile(r"[0-9a-z]{1,32}")


def add_experiment_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    group = commands.add_parser(
        "experiment", help="The A/B experiment: its verdict, and the test's simulation"
    )
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    verdict = actions.add_parser(
        "verdict",
        help="Compare the champion's and the challenger's outcomes; exit 0 promote, 3 keep running, 4 abort,"
        " 5 sample ratio mismatch, 2 usage or versions with other classes, 6 Prometheus unreachable or"
        " malformed",
    )
    verdict.add_argument("--prometheus", type=http_url, required=True, help="Prometheus base URL")
    champion = verdict.add_mutually_exclusive_group(required=True)
    champion.add_argument("--champion", type=version, help="The stable model's version (sha256, 12+ hex)")
    champion.add_argument(
        "--champion-pod-hash", type=pod_hash, help="Read the champion's version from model_info of these pods"
    )
    verdict.add_argument("--challenger", type=version, help="Default: the model in --artifacts")
    verdict.add_argument(
        "--since", type=start_time, required=True, help="Start: RFC 3339 time, or a duration ago"
    )
    verdict.add_argument("--watch", action="store_true", help="Look again until a decision or the horizon")
    verdict.add_argument("--interval", type=whole(1, 86_400), default=60, help="Seconds between looks (60)")
    verdict.add_argument("--timeout", type=seconds, default=10.0, help="Seconds a Prometheus query may take")
    verdict.add_argument(
        "--record", type=Path, help="Write the verdict as JSON here (the model card reads it)"
    )
    verdict.add_argument("--artifacts", type=Path, help="The challenger's model directory (APP_MODEL_DIR)")
    verdict.set_defaults(handler=run_verdict)
    from .simulate import add_simulate_command

    add_simulate_command(actions)


def version(text: str) -> str:
    if _VERSION.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a model sha256 (12 to 64 lower-case hex)")
    return text[:12]


def pod_hash(text: str) -> str:
    if _POD_HASH.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a pod template hash (lower-case letters, digits)"
        )
    return text


def start_time(text: str) -> datetime:
    """An RFC 3339 time with its offset, or a duration (`2h`: two hours before now)."""
    now = datetime.now(UTC)
    if (ago := duration_seconds(text)) is not None:
        return now - timedelta(seconds=ago)
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an RFC 3339 time with offset, or a duration")
    if start > now:
        raise argparse.ArgumentTypeError(f"{text!r}: the experiment cannot start in the future")
    return start


def challenger_plan(args: argparse.Namespace) -> tuple[Experiment, str | None]:
    """The experiment of the challenger's manifest (its metric decided) and the challenger's version."""
    artifacts = args.artifacts or read_settings(RuntimeSettings).model_dir
    manifest = require_manifest(artifacts)
    try:
        plan = manifest.experiment.for_task(manifest.task)
    except ValueError as error:
        raise Failure(f"{artifacts}: [experiment] {error}") from None
    return plan, manifest.onnx.sha256[:12] if manifest.onnx else None


def run_verdict(args: argparse.Namespace) -> int:
    # Imported here: the Prometheus client's httpx takes a tenth of a second to import, which `serve` and
    # every other command would pay.
    from .prometheus import Prometheus
    from .readings import require_one_class_set, version_of_pod_hash
    from .report import render, write_record
    from .verdict import History
    from .watch import Setup, look_once, watch

    plan, own_version = challenger_plan(args)
    challenger = args.challenger or own_version
    if challenger is None:
        raise Failure("--challenger: the model in --artifacts is not exported; name the version")
    prometheus = Prometheus(args.prometheus, args.timeout)
    try:
        now = datetime.now(UTC)
        champion = args.champion or version_of_pod_hash(prometheus, args.champion_pod_hash, now.timestamp())
        if champion == challenger:
            # A release of code alone (same model): there is nothing to compare, and the stage must let it
            # through rather than abort it.
            print(f"champion and challenger are the same model version, {champion}: nothing to compare")
            return EXIT_CODES[Decision.PROMOTE]
        setup = Setup(plan, (champion, challenger), args.since)
        if plan.metric == "accuracy":
            require_one_class_set(prometheus, setup.versions, now.timestamp())
        verdict = (
            watch(prometheus, setup, args.interval)
            if args.watch
            else look_once(prometheus, setup, History(), now)
        )
    finally:
        prometheus.close()
    print(render(verdict, plan))
    if args.record is not None:
        write_record(args.record, verdict, plan)
    return EXIT_CODES[verdict.decision]
