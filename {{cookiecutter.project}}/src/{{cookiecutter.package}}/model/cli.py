"""Commands of the model's life before serving: train, export, validate, card and track."""

import argparse
import sys
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from ..errors import Failure
from ..manifest import MANIFEST_FILE
from .arguments import add_artifacts, add_config, add_tracking_uri, config_from
from .config import Estimator, ModelConfig, describe_error
from .jobs import add_job_commands


def add_model_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    train = commands.add_parser("train", help="Train the model named in model.toml; writes --out")
    add_config(train)
    train.add_argument("--data", help="Bundled dataset name or CSV/Parquet path; overrides [data] source")
    train.add_argument("--target", help="Target column of a data file; overrides [data] target")
    train.add_argument("--estimator", choices=get_args(Estimator), help="Overrides [train] estimator")
    train.add_argument("--seed", type=int, help="Overrides [train] seed")
    train.add_argument("--out", type=Path, required=True, help="Artifacts directory to write")
    train.set_defaults(handler=run_train)

    export = commands.add_parser("export", help="Export the trained model to ONNX and check parity")
    add_artifacts(export)
    add_config(export)
    export.set_defaults(handler=run_export)

    validate = commands.add_parser("validate", help="Run the validation gate; exit 1 when a check fails")
    add_artifacts(validate)
    add_config(validate)
    validate.add_argument(
        "--into", type=Path, help="On a pass, replace this directory (the served model) with --artifacts"
    )
    validate.add_argument(
        "--champion",
        help="Production's manifest.json or metrics.json, or a registered version "
        "(models:/<name>@production); by default the model in --into; none: compare with none",
    )
    add_tracking_uri(validate)
    validate.set_defaults(handler=run_validate)

    card = commands.add_parser("card", help="Write MODEL_CARD.md into the artifacts directory")
    add_artifacts(card)
    card.set_defaults(handler=run_card)

    track = commands.add_parser("track", help="Record the model as an MLflow run; register it if it passed")
    add_artifacts(track)
    add_tracking_uri(track)
    track.add_argument("--experiment", help="MLflow experiment (default: the project name)")
    track.set_defaults(handler=run_track)
    add_job_commands(commands)


def apply_overrides(config: ModelConfig, args: argparse.Namespace) -> ModelConfig:
    data: dict[str, Any] = {"source": args.data, "target": args.target}
    train: dict[str, Any] = {"estimator": args.estimator, "seed": args.seed}
    raw = config.model_dump()
    raw["data"].update({key: value for key, value in data.items() if value is not None})
    if args.estimator is not None and args.estimator != config.train.estimator and config.train.params:
        # [train.params] were written for the estimator in model.toml, not for this one.
        model_toml = config.train.estimator
        print(f"note: [train.params] are for {model_toml}; {args.estimator} trains with its defaults")
        raw["train"]["params"] = {}
        raw["train"]["search"] = None
    raw["train"].update({key: value for key, value in train.items() if value is not None})
    try:
        return ModelConfig.model_validate(raw)
    except ValidationError as error:
        raise Failure(describe_error(error)) from None


def run_train(args: argparse.Namespace) -> int:
    from .suspects import uncommitted_warning
    from .train import train_model

    config = apply_overrides(config_from(args), args)
    data_file = Path(config.data.source)
    if data_file.is_file() and (warning := uncommitted_warning(data_file)) is not None:
        print(f"warning: {warning}", file=sys.stderr)
    manifest = train_model(
        config.data,
        config.train,
        args.out,
        gate=config.gate,
        shadow=config.shadow,
        experiment=config.experiment,
    )
    if config.data.categorical is None and manifest.categorical:
        names = ", ".join(feature.name for feature in manifest.categorical)
        print(f"categorical features (string columns; set [data] categorical to choose): {names}")
    print(f"trained {manifest.estimator} on {manifest.data_source} ({manifest.task}), held-out metrics:")
    print(f"  model     {show(manifest.metrics)}")
    print(f"  baseline  {show(manifest.baseline)}")
    if manifest.decision_threshold is not None:
        positive = (manifest.classes or ["", ""])[1]
        print(f"labels {positive!r} when its probability is at least {manifest.decision_threshold:g}")
    print(f"wrote {args.out}/ (version {manifest.version})")
    return 0


def show(metrics: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:.4f}" for name, value in metrics.items())


def run_export(args: argparse.Namespace) -> int:
    from .export import export_model

    manifest = export_model(args.artifacts, config_from(args).gate.parity_tolerance)
    assert manifest.onnx is not None
    parity = manifest.onnx.parity
    print(
        f"wrote {args.artifacts / manifest.onnx.file}: parity max abs diff {parity.max_abs_diff:.3g} "
        f"over {parity.rows} held-out rows (tolerance {parity.tolerance:.3g})"
    )
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from .accept import accept, served_version
    from .gate import run_gate

    into: Path | None = args.into
    served = served_version(into) if into is not None else None
    champion = args.champion
    if champion is None and served is not None and into is not None:
        champion = str(into / MANIFEST_FILE)
    champion = None if champion == "none" else champion
    code = run_gate(args.artifacts, config_from(args).gate, champion, args.tracking_uri)
    if into is None:
        return code
    held = f"version {served}" if served else "no model"
    if code != 0:
        print(f"not accepted: {into}/ keeps {held}; the failed model stays in {args.artifacts}/")
        return code
    accept(args.artifacts, into)
    print(f"accepted into {into}/ (it held {held})")
    return 0


def run_card(args: argparse.Namespace) -> int:
    from .card import write_card

    print(f"wrote {write_card(args.artifacts)}")
    return 0


def run_track(args: argparse.Namespace) -> int:
    from .track import track_model

    tracked = track_model(args.artifacts, args.tracking_uri, args.experiment)
    print(f"recorded run {tracked.run_id} in experiment {tracked.experiment!r}")
    if tracked.version is None:
        print("not registered: the gate has not passed (run validate first)")
    else:
        print(f"registered version {tracked.version}")
    return 0
