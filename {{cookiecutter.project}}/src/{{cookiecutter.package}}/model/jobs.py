"""The commands of training at scale: `retrain` and `tune` (what the training Jobs run, against a tracking
server and the data's URI) and `fetch` (the model model.lock pins, for the image)."""

import argparse
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .. import registry
from ..cli_values import seconds
from ..errors import Failure
from ..lock import LOCK_FILE, read_lock
from ..manifest import project_name
from ..settings import TrackingSettings, read_settings
from .arguments import add_config, add_tracking_uri, config_from

if TYPE_CHECKING:
    from .candidate import Candidate

# How long the last shard of a sharded search waits for the others' trials: the Job's own deadline.
SEARCH_WAIT_S = 6 * 3600


def add_job_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    retrain = commands.add_parser(
        "retrain", help="Train, export, gate against production, track; register a pass as @candidate"
    )
    add_config(retrain)
    add_tracking_uri(retrain)
    retrain.add_argument("--out", type=Path, required=True, help="Scratch directory for the candidate")
    retrain.set_defaults(handler=run_retrain)

    tune = commands.add_parser("tune", help="Run [train.search]; the best trial is refitted like `retrain`")
    add_config(tune)
    add_tracking_uri(tune)
    tune.add_argument("--out", type=Path, required=True, help="Scratch directory for the refitted model")
    tune.add_argument("--trial", help="I/N: run trials I, I+N, ...; shard N-1 then waits for all and picks")
    tune.add_argument("--search", help="The search's id, the same in every shard (default: a new one)")
    tune.add_argument("--wait", type=seconds, default=SEARCH_WAIT_S, help="Seconds the picking shard waits")
    tune.set_defaults(handler=run_tune)

    fetch = commands.add_parser("fetch", help="Download the version model.lock pins, checked against it")
    add_tracking_uri(fetch)
    fetch.add_argument("--lock", type=Path, default=LOCK_FILE, help=f"The lock (default: {LOCK_FILE})")
    fetch.add_argument("--into", type=Path, required=True, help="Directory to replace with the model")
    fetch.set_defaults(handler=run_fetch)


def announce(candidate: "Candidate") -> None:
    print(
        f"registered {candidate.name} version {candidate.version} as @{registry.CANDIDATE_ALIAS} "
        f"(run {candidate.run_id}, model.onnx sha256 {candidate.sha256})"
    )


def run_retrain(args: argparse.Namespace) -> int:
    from .candidate import build_candidate

    announce(build_candidate(config_from(args), args.out, args.tracking_uri))
    return 0


def run_tune(args: argparse.Namespace) -> int:
    from ..shards import WHOLE
    from .candidate import build_candidate
    from .data import load_dataset
    from .search import check_search_id, describe, expand, parse_shard
    from .tuning import pick_best, plan_search, record_search, run_shard

    if args.trial is not None and not args.search:
        raise Failure("--trial needs --search: every shard of one search names the same id")
    config = config_from(args)
    if config.train.search is None:
        raise Failure("model.toml has no [train.search]: add one to tune (README: Train on the cluster)")
    # A shard that does not fit the search fails before reading any data.
    trials = len(expand(config.train.search, config.train.seed))
    shard = parse_shard(args.trial, trials) if args.trial is not None else WHOLE
    search_id = check_search_id(args.search or uuid.uuid4().hex[:12])
    data = config.data
    dataset = load_dataset(data.source, data.target, data.task, data.categorical, data.exclude)
    search = plan_search(config, dataset, search_id)
    client = registry.connect(args.tracking_uri)
    experiment = registry.ensure_experiment(client, project_name())
    print(f"search {search.id}: {len(search.trials)} trials on validation {search.metric}")
    run_shard(config, dataset, search, shard, client, experiment)
    if not shard.last:
        return 0
    pick = pick_best(client, experiment, search, args.wait)
    parent = record_search(client, experiment, search, pick)
    print(f"picked trial {pick.index} {describe(pick.params)}: validation {search.metric} {pick.value:.4f}")
    train = config.train.model_copy(update={"params": {**config.train.params, **pick.params}, "search": None})
    tuned = config.model_copy(update={"train": train})
    announce(build_candidate(tuned, args.out, args.tracking_uri, dataset=dataset, parent_run=parent))
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from .fetch import fetch_model

    lock = read_lock(args.lock)
    if lock is None:
        raise Failure(f"{args.lock}: not found; without a lock, `make model` trains the model instead")
    tracking_uri = args.tracking_uri or read_settings(TrackingSettings).mlflow_tracking_uri
    if not tracking_uri:
        raise Failure(
            f"{args.lock} pins a registered version: set MLFLOW_TRACKING_URI to its tracking server"
        )
    manifest = fetch_model(lock, args.into, tracking_uri)
    print(
        f"fetched {lock.name} version {lock.version} into {args.into}/ (model {manifest.version}, "
        f"model.onnx sha256 {lock.sha256}, as model.lock pins)"
    )
    return 0
