"""The serving image of a baked project: it builds, serves over HTTP as non-root, and has no scikit-learn."""

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from baking import FIGURES, TYPED_TEXT, bake, free_port, is_ready, project_env

# A version the local stand-in base image exists for (../shared/tools/container-engine.sh).
PYTHON_VERSION = "3.11"
READY_TIMEOUT_S = 90
# The local stand-in for python:<version>-slim that ../shared/tools/container-engine.sh makes.
STAND_IN = f"container-image://docker.io/library/python:{PYTHON_VERSION}-slim"


class Server(NamedTuple):
    url: str
    container: str
    image: str
    engine: str
    revision: str


def base_images(project: Path) -> set[str]:
    """The images the Dockerfile's stages start from, as written (tag and digest)."""
    lines = (project / "Dockerfile").read_text().splitlines()
    return {line.split()[1] for line in lines if line.startswith("FROM ")}


def container_engine() -> str:
    """podman or docker, whichever answers (CONTAINER_ENGINE picks one); skipped when none, failed on CI."""
    candidates = (
        [os.environ["CONTAINER_ENGINE"]] if os.environ.get("CONTAINER_ENGINE") else ["podman", "docker"]
    )
    for engine in candidates:
        if (
            shutil.which(engine)
            and subprocess.run([engine, "info"], capture_output=True, check=False).returncode == 0
        ):
            return engine
    message = f"no working container engine among {candidates}; run ../shared/tools/container-engine.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout.strip()


def build_image(project: Path, engine: str, image: str) -> None:
    env = project_env()
    run(["git", "init", "-q"], project)
    run(["git", "add", "-A"], project)
    run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "bake"], project
    )
    run(["make", "install", "train", "export", "validate"], project, env)
    # The stand-in base images exist only locally, so podman must not look for newer ones in a registry;
    # without layers, the build stage leaves no untagged image behind. The Dockerfile pins the official
    # image's digest, which the stand-in cannot have: a build context stands the local tag in for it.
    flags = "--pull=missing --network=host --layers=false" if engine == "podman" else ""
    if engine == "podman":
        flags += "".join(f" --build-context {base}={STAND_IN}" for base in base_images(project))
    started = time.monotonic()
    run(
        ["make", "image"],
        project,
        {**env, "CONTAINER_ENGINE": engine, "IMAGE": image, "TAG": "test", "BUILD_FLAGS": flags},
    )
    build_s = time.monotonic() - started
    size = run([engine, "image", "inspect", f"{image}:test", "--format", "{{.Size}}"])
    FIGURES.append(f"image {image}:test: {int(size) / 1e6:.0f} MB, built in {build_s:.0f} s")


def wait_until_ready(url: str, container: str, engine: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if is_ready(url, timeout_s=2):
            return
        time.sleep(0.5)
    logs = subprocess.run([engine, "logs", container], capture_output=True, text=True, check=False)
    pytest.fail(f"not ready within {READY_TIMEOUT_S} s:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    engine = container_engine()
    project = bake(tmp_path_factory.mktemp("image"), python_version=PYTHON_VERSION, **TYPED_TEXT)
    image = f"localhost/ml-template-test-{uuid.uuid4().hex[:8]}"
    container = ""
    try:
        build_image(project, engine, image)
        port = free_port()
        container = run([engine, "run", "-d", "-p", f"127.0.0.1:{port}:8080", f"{image}:test"])
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url, container, engine)
        yield Server(url, container, f"{image}:test", engine, run(["git", "rev-parse", "HEAD"], project))
    finally:
        if container:
            subprocess.run([engine, "rm", "-f", container], capture_output=True, check=False)
        subprocess.run([engine, "rmi", "-f", f"{image}:test"], capture_output=True, check=False)


def manifest_of(server: Server) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/model", timeout=5)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def typical_row(manifest: dict[str, Any]) -> dict[str, float]:
    return {feature["name"]: feature["summary"]["mean"] for feature in manifest["features"]}


@pytest.mark.slow
def test_image_serves_the_model_of_its_commit(server: Server) -> None:
    manifest = manifest_of(server)
    assert manifest["git_revision"] == server.revision
    response = httpx.post(f"{server.url}/predict", json=typical_row(manifest), timeout=5)
    assert response.status_code == 200, response.text
    assert {"label", "value"} & response.json().keys()


@pytest.mark.slow
def test_image_answers_open_inference_protocol_requests(server: Server) -> None:
    manifest = manifest_of(server)
    values = list(typical_row(manifest).values())
    tensor = {"name": "input", "shape": [1, len(values)], "datatype": "FP32", "data": values}
    response = httpx.post(
        f"{server.url}/v2/models/{manifest['name']}/infer", json={"inputs": [tensor]}, timeout=5
    )
    assert response.status_code == 200, response.text
    assert response.json()["outputs"]


@pytest.mark.slow
def test_server_process_is_not_root(server: Server) -> None:
    status = run([server.engine, "exec", server.container, "cat", "/proc/1/status"])
    uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert "0" not in uids


@pytest.mark.slow
def test_image_has_no_scikit_learn(server: Server) -> None:
    result = subprocess.run(
        [server.engine, "run", "--rm", server.image, "python", "-c", "import sklearn"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "No module named 'sklearn'" in result.stderr


@pytest.mark.slow
def test_image_labels_name_the_commit_and_the_model(server: Server) -> None:
    labels = json.loads(
        run([server.engine, "image", "inspect", server.image, "--format", "{{json .Labels}}"])
    )
    assert labels["org.opencontainers.image.revision"] == server.revision
    assert labels["model.sha256"] == manifest_of(server)["onnx"]["sha256"]
    # Quotes, `$` and backslashes survive the Dockerfile's quoting: no variable was expanded.
    assert labels["org.opencontainers.image.description"] == TYPED_TEXT["description"]


@pytest.mark.slow
def test_image_scores_a_file_as_the_batch_job_runs_it(server: Server, tmp_path: Path) -> None:
    """The CronJob runs this image with `score` on a read-only root, its data on a mounted volume."""
    manifest = manifest_of(server)
    row = typical_row(manifest)
    names = [*row, *(feature["name"] for feature in manifest.get("categorical", []))]
    values = [str(value) for value in row.values()] + [
        feature["categories"][0] for feature in manifest.get("categorical", [])
    ]
    (tmp_path / "in.csv").write_text(",".join(names) + "\n" + (",".join(values) + "\n") * 3)
    tmp_path.chmod(0o777)  # the image's user (10001) writes the output here
    inspect = [server.engine, "image", "inspect", server.image, "--format", "{{json .Config.Cmd}}"]
    command = json.loads(run(inspect))
    score = [*command[:3], "score", "--input", "/data/in.csv", "--output", "/data/out/scores.csv"]
    mounts = ["--read-only", "--tmpfs", "/tmp", "-v", f"{tmp_path}:/data"]
    run([server.engine, "run", "--rm", *mounts, server.image, *score])
    lines = (tmp_path / "out" / "scores.csv").read_text().splitlines()
    assert lines[0].startswith('"row",')
    assert len(lines) == 4
