"""The model commands' shared arguments: the config they name, else model.toml here, else the defaults."""

import argparse
from pathlib import Path

import pytest

from {{ cookiecutter.package }}.model.arguments import add_artifacts, add_config, config_from
from {{ cookiecutter.package }}.model.config import ModelConfig


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_config(parser)
    add_artifacts(parser)
    return parser.parse_args(argv)


def test_the_config_named_is_the_one_read(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text('[train]\nestimator = "random_forest"\n')
    args = parse("--config", str(path), "--artifacts", str(tmp_path))
    assert args.artifacts == tmp_path
    assert config_from(args).train.estimator == "random_forest"


def test_without_a_config_here_the_defaults_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_from(parse("--artifacts", "a")) == ModelConfig()
    (tmp_path / "model.toml").write_text('[train]\nestimator = "random_forest"\n')
    assert config_from(parse("--artifacts", "a")).train.estimator == "random_forest"
