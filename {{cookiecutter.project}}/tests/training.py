"""The cluster tests' training data: the project's own dataset written as a prefix of Parquet parts into
the object store, and the project's model.toml pointed at it."""

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package }}.lock import ModelLock
from {{ cookiecutter.package }}.model.config import BUNDLED_DATASETS, load_config

from . import PROJECT_DIR
from .model.gates import untimed_gate, untimed_toml
from .stores import DATA_BUCKET, Stores, client_keys


@contextmanager
def training_pod(stores: Stores) -> Iterator[None]:
    """This process's environment as a training pod has it: the store's credentials, the tracking server."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in stores.env().items():
            patch.setenv(key, value)
        yield


def register_candidate(stores: Stores, out: Path) -> ModelLock:
    """The project's model, trained in this process as `retrain` does and registered as @candidate; the
    lock that pins it, as `propose` writes it."""
    from {{ cookiecutter.package }} import registry
    from {{ cookiecutter.package }}.model.candidate import build_candidate
    from {{ cookiecutter.package }}.pinned import pin_version

    config = load_config(PROJECT_DIR / "model.toml")
    config = config.model_copy(update={"gate": untimed_gate(config.gate)})
    built = build_candidate(config, out, stores.tracking)
    pin = {"name": built.name, "version": built.version, "sha256": built.sha256, "run_id": built.run_id}
    (out / "pinned").mkdir()
    return pin_version(registry.connect(stores.tracking), pin, out / "pinned")


def project_table() -> tuple[pd.DataFrame, str]:
    """The data model.toml names, as a file would hold it: features, then the target's labels."""
    from {{ cookiecutter.package }}.model.data import load_dataset

    data = load_config(PROJECT_DIR / "model.toml").data
    if data.source not in BUNDLED_DATASETS:
        return pd.read_parquet(data.source) if data.source.endswith(".parquet") else pd.read_csv(
            data.source
        ), str(data.target)
    dataset = load_dataset(data.source)
    frame = dataset.features.frame.copy()
    for name in dataset.features.categorical:
        frame[name] = frame[name].replace("", None)
    labels = (
        dataset.target if dataset.classes is None else dataset.target.map(dict(enumerate(dataset.classes)))
    )
    frame[dataset.target_name] = labels.to_numpy()
    return frame, dataset.target_name


def put_objects(stores: Stores, bucket: str, objects: dict[str, bytes]) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=stores.s3, **client_keys())
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def parquet_parts(frame: pd.DataFrame, parts: int) -> list[bytes]:
    chunks = []
    for part in range(parts):
        buffer = io.BytesIO()
        frame.iloc[part * len(frame) // parts : (part + 1) * len(frame) // parts].to_parquet(
            buffer, index=False
        )
        chunks.append(buffer.getvalue())
    return chunks


def upload_table(stores: Stores, prefix: str, parts: int = 3, bucket: str = DATA_BUCKET) -> tuple[str, str]:
    """The project's table as `parts` Parquet files (and a `_SUCCESS` marker, as Spark writes) under
    s3://bucket/prefix/; returns the URI and the target column."""
    frame, target = project_table()
    objects = {
        f"{prefix}/part-{index:05d}.parquet": body for index, body in enumerate(parquet_parts(frame, parts))
    }
    put_objects(stores, bucket, {**objects, f"{prefix}/_SUCCESS": b""})
    return f"s3://{bucket}/{prefix}/", target


def config_for(directory: Path, uri: str, target: str) -> Path:
    """The project's model.toml with [data] source set to `uri`, its target named, and a latency budget
    that a loaded runner never misses (these tests are about the training path, not its speed)."""
    text = untimed_toml((PROJECT_DIR / "model.toml").read_text())
    text = re.sub(r"^source = .*$", f'source = "{uri}"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r"^#? ?target = .*$", f'target = "{target}"', text, count=1, flags=re.MULTILINE)
    path = directory / "model.toml"
    path.write_text(text)
    return path


def copy_project(target: Path) -> Path:
    """The project's files as a fresh clone holds them, committed on main; nothing of the working copy's
    environment, build output or models."""
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "build", "artifacts", "mlflow.db", "mlartifacts", "*_cache", "__pycache__"
    )
    shutil.copytree(PROJECT_DIR, target, ignore=ignore)
    for command in (
        ["init", "--quiet", "--initial-branch=main"],
        ["config", "user.name", "retrain-test"],
        ["config", "user.email", "retrain-test@example.com"],
        ["add", "--all"],
        ["commit", "--quiet", "--message", "project"],
    ):
        subprocess.run(["git", *command], cwd=target, check=True, capture_output=True)
    return target


def with_bare_remote(repo: Path, remote: Path) -> Path:
    """`origin` as a bare repository holding main, where a proposal's branch is pushed."""
    subprocess.run(["git", "clone", "--quiet", "--bare", str(repo), str(remote)], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(remote)], cwd=repo, check=True)
    subprocess.run(["git", "fetch", "--quiet", "origin"], cwd=repo, check=True)
    return remote
