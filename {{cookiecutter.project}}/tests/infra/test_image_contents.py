"""What each image installs, read from uv.lock with the Dockerfile's own `uv sync` flags: the serving image
holds no training library and no object-store client; batch adds pyarrow alone; train has every store."""

import os
import re
import shutil
import subprocess

import pytest

from .. import PROJECT_DIR

# Never in the serving image: what trains, converts or reads training data, and MLflow.
NOT_SERVING = {
    *("scikit-learn", "skl2onnx", "onnx", "pandas", "pyarrow", "mlflow-skinny", "fsspec"),
    *("s3fs", "aiobotocore", "botocore", "boto3", "gcsfs", "google-cloud-storage", "adlfs"),
    "azure-storage-blob",
}
SYNC = re.compile(r"uv sync ((?:\\\n|[^\n])*)")


def stage_sync_flags(stage: str) -> list[str]:
    """The selection flags of the last `uv sync` in a Dockerfile stage (groups, extras, dev)."""
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    body = re.split(rf"^FROM .* AS {stage}\s*$", dockerfile, flags=re.MULTILINE)[1].split("\nFROM ")[0]
    *_, command = SYNC.findall(body)
    words = command.replace("\\\n", " ").split()
    selecting = ("--no-dev", "--no-default-groups", "--group", "--extra")
    return [
        word for index, word in enumerate(words) if word in selecting or words[index - 1] in selecting[2:]
    ]


def installed(stage: str) -> set[str]:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is not on PATH"
    command = [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", *stage_sync_flags(stage)]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    return {line.split("==")[0] for line in result.stdout.splitlines() if "==" in line}


@pytest.fixture(scope="module")
def serving() -> set[str]:
    return installed("build")


def test_the_serving_image_has_no_training_library_and_no_object_store_client(serving: set[str]) -> None:
    assert "onnxruntime" in serving
    assert serving & NOT_SERVING == set()


def test_the_batch_image_adds_pyarrow_and_nothing_else(serving: set[str]) -> None:
    assert installed("build-batch") - serving == {"pyarrow"}


def test_the_training_image_reads_every_store_and_tracks_in_mlflow(serving: set[str]) -> None:
    train = installed("build-train")
    assert {
        "scikit-learn",
        "skl2onnx",
        "pyarrow",
        "fsspec",
        "s3fs",
        "gcsfs",
        "adlfs",
        "mlflow-skinny",
    } <= train
    assert serving <= train
