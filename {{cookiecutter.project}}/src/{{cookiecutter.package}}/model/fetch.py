"""The model a commit pins: the version model.lock names, downloaded from the tracking server and checked
against the lock byte for byte before it may reach artifacts/ and an image. Nothing is retrained."""

import json
import tempfile
from pathlib import Path

from .. import registry
from ..errors import CliError, first_line
from ..lock import ModelLock
from ..manifest import GATE_FILE, MANIFEST_FILE, ModelManifest, manifest_digest, sha256_file
from .accept import accept


def fetch_model(lock: ModelLock, into: Path, tracking_uri: str) -> ModelManifest:
    """Download the pinned version into a scratch directory beside `into`, check it, then replace `into`."""
    client = registry.connect(tracking_uri)
    ref = registry.ModelRef(lock.name, version=lock.version)
    version = registry.find_version(client, ref)
    if version is None:
        raise CliError(f"model.lock pins {ref}, which the tracking server does not have", exit_code=1)
    tagged = (version.tags or {}).get("onnx_sha256")
    if version.run_id != lock.run_id or tagged != lock.sha256:
        raise CliError(
            f"model.lock pins {ref} as run {lock.run_id}, sha256 {lock.sha256}; the registry has run "
            f"{version.run_id}, sha256 {tagged}: refusing it",
            exit_code=1,
        )
    into.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=into.parent) as scratch:
        try:
            downloaded = registry.download_version(client, lock.name, lock.version, Path(scratch))
        except (OSError, registry.client_errors()) as error:
            raise CliError(f"cannot download {ref}: {first_line(error)}", exit_code=1) from None
        manifest = verify(downloaded, lock)
        accept(downloaded, into)
    return manifest


def verify(model_dir: Path, lock: ModelLock) -> ModelManifest:
    """The ONNX file has the locked sha256, and the manifest describes that file, this model and run, and a
    passed gate; anything else was changed after the lock was written."""
    onnx = model_dir / "model.onnx"
    if not onnx.is_file():
        raise CliError(f"{lock.name} version {lock.version} has no model.onnx in the registry", exit_code=1)
    if (actual := sha256_file(onnx)) != lock.sha256:
        raise CliError(
            f"the registry's model.onnx of {lock.name} version {lock.version} has sha256 {actual}, "
            f"model.lock pins {lock.sha256}: refusing it",
            exit_code=1,
        )
    try:
        document = json.loads((model_dir / MANIFEST_FILE).read_text())
        manifest = ModelManifest.model_validate(document)
    except (OSError, ValueError) as error:
        reason = first_line(error)
        raise CliError(
            f"{lock.name} version {lock.version}: no readable manifest: {reason}", exit_code=1
        ) from None
    problems = [
        "its digest does not match its content"
        if document.get("digest") != manifest_digest(document)
        else "",
        "it describes another ONNX file"
        if manifest.onnx is None or manifest.onnx.sha256 != lock.sha256
        else "",
        f"it names model {manifest.name!r}" if manifest.name != lock.name else "",
        "it names another run"
        if manifest.tracking is None or manifest.tracking.run_id != lock.run_id
        else "",
        "its gate did not pass" if not gate_passed(model_dir) else "",
    ]
    if found := [problem for problem in problems if problem]:
        raise CliError(f"the manifest of {lock.name} version {lock.version}: {'; '.join(found)}", exit_code=1)
    return manifest


def gate_passed(model_dir: Path) -> bool:
    path = model_dir / GATE_FILE
    return path.is_file() and json.loads(path.read_text()).get("passed") is True
