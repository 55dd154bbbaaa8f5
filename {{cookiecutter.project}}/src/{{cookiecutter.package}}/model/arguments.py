"""Arguments the model commands share: the config file, the artifacts directory, the tracking server."""

import argparse
from pathlib import Path

from .config import CONFIG_FILE, ModelConfig, load_config


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help=f"Model config (default: {CONFIG_FILE} when present)")


def add_artifacts(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--artifacts", type=Path, required=True, help="Artifacts directory of train")


def add_tracking_uri(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tracking-uri",
        help="MLflow tracking server (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)",
    )


def config_from(args: argparse.Namespace) -> ModelConfig:
    if args.config is not None:
        return load_config(args.config)
    return load_config(CONFIG_FILE) if CONFIG_FILE.is_file() else ModelConfig()
