"""The model a commit pins: the version model.lock names, downloaded from the tracking server and checked
against the lock byte for byte, file by file, before it may reach artifacts/ and an image. Nothing is
retrained."""

import tempfile
from pathlib import Path

from .. import registry
from ..errors import Failure
from ..lock import ModelLock
from ..manifest import ONNX_FILE, ModelManifest, project_name
from ..pinned import download_files, verify
from .accept import accept


def fetch_model(lock: ModelLock, into: Path, tracking_uri: str) -> ModelManifest:
    """Download the pinned version into a scratch directory beside `into`, check it, then replace `into`."""
    if lock.name != project_name():
        raise Failure(
            f"model.lock pins model {lock.name!r}; this project's model is {project_name()!r}",
            exit_code=1,
        )
    client = registry.connect(tracking_uri)
    ref = registry.ModelRef(lock.name, version=lock.version)
    version = registry.find_version(client, ref)
    if version is None:
        raise Failure(f"model.lock pins {ref}, which the tracking server does not have", exit_code=1)
    tagged = (version.tags or {}).get("onnx_sha256")
    if version.run_id != lock.run_id or tagged != lock.sha256:
        raise Failure(
            f"model.lock pins {ref} as run {lock.run_id}, sha256 {lock.sha256}; the registry has run "
            f"{version.run_id}, sha256 {tagged}: refusing it",
            exit_code=1,
        )
    into.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=into.parent) as scratch:
        download_files(client, ref, [ONNX_FILE, *lock.files], Path(scratch))
        manifest = verify(Path(scratch), lock)
        accept(Path(scratch), into)
    return manifest
