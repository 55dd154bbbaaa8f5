"""A registered version's files as model.lock pins them: downloaded by name, each bounded in size, and
checked against the lock (every file's sha256) and against each other (the manifest describes this ONNX
file, model and run, and the gate report passed). `propose` writes a lock from them; `fetch` refuses any
file that differs from it."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from . import registry
from .errors import Failure, first_line
from .lock import LOCKABLE_FILES, ModelLock, invalid_field
from .manifest import GATE_FILE, MANIFEST_FILE, ONNX_FILE, ModelManifest, manifest_digest, sha256_file
from .runtime.settings import RuntimeSettings

if TYPE_CHECKING:
    from mlflow import MlflowClient

# A file larger than the server would load is refused before it is downloaded.
MAX_BYTES = {
    ONNX_FILE: RuntimeSettings.model_fields["max_model_bytes"].default,
    MANIFEST_FILE: RuntimeSettings.model_fields["max_manifest_bytes"].default,
}
OTHER_MAX_BYTES = 16 << 20


def download_files(client: "MlflowClient", ref: registry.ModelRef, names: list[str], into: Path) -> set[str]:
    """The named files of a version that it holds, into `into`; each is refused over its size bound, and
    nothing else the run logged (a stray file, a large one) is downloaded."""
    from mlflow.artifacts import download_artifacts, list_artifacts

    try:
        source = client.get_model_version_download_uri(ref.name, str(ref.version))
        listed = {
            Path(info.path).name: info.file_size
            for info in list_artifacts(artifact_uri=source, tracking_uri=client.tracking_uri)
            if not info.is_dir
        }
        for name in (name for name in names if name in listed):
            bound = MAX_BYTES.get(name, OTHER_MAX_BYTES)
            if (listed[name] or 0) > bound:
                raise Failure(
                    f"{ref}: {name} has {listed[name]} bytes, over the {bound} allowed", exit_code=1
                )
            download_artifacts(f"{source}/{name}", dst_path=str(into), tracking_uri=client.tracking_uri)
    except (OSError, registry.client_errors()) as error:
        raise Failure(f"cannot download {ref}: {first_line(error)}", exit_code=1) from None
    return {name for name in names if name in listed}


def pin_version(client: "MlflowClient", pin: dict[str, str], into: Path) -> ModelLock:
    """The lock of a version (`pin`: its name, version, ONNX sha256 and run id) with the sha256 of each
    file it holds, downloaded into `into` and checked as fetch will check them."""
    ref = registry.ModelRef(pin["name"], version=pin["version"])
    found = download_files(client, ref, [ONNX_FILE, *LOCKABLE_FILES], into)
    files = {name: sha256_file(into / name) for name in LOCKABLE_FILES if name in found}
    try:
        lock = ModelLock.model_validate({**pin, "files": files})
    except ValidationError as error:
        raise Failure(f"{ref}: {invalid_field(error)}", exit_code=1) from None
    verify(into, lock)
    return lock


def verify(model_dir: Path, lock: ModelLock) -> ModelManifest:
    """Every file has the locked sha256, and the manifest describes that ONNX file, this model and run, and
    a passed gate; anything else was changed after the lock was written."""
    described = f"{lock.name} version {lock.version}"
    for name, expected in {ONNX_FILE: lock.sha256, **lock.files}.items():
        path = model_dir / name
        if not path.is_file():
            raise Failure(f"{described} has no {name} in the registry", exit_code=1)
        if (actual := sha256_file(path)) != expected:
            raise Failure(
                f"the registry's {name} of {described} has sha256 {actual}, model.lock pins {expected}: "
                "refusing it",
                exit_code=1,
            )
    try:
        document = json.loads((model_dir / MANIFEST_FILE).read_text())
        manifest = ModelManifest.model_validate(document)
    except (OSError, ValueError) as error:
        raise Failure(f"{described}: no readable manifest: {first_line(error)}", exit_code=1) from None
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
        raise Failure(f"the manifest of {described}: {'; '.join(found)}", exit_code=1)
    return manifest


def gate_passed(model_dir: Path) -> bool:
    """The gate's verdict alone: a pinned version may predate the check kinds a GateReport reads."""
    try:
        return json.loads((model_dir / GATE_FILE).read_text()).get("passed") is True
    except (OSError, ValueError, AttributeError):
        return False
