"""model.lock: the registered model version a commit ships (name, version, ONNX sha256, run id), and the
sha256 of every other file of that version that fetch places beside model.onnx.

`propose` writes it in a pull request; once merged, delivery builds the image from that version,
downloaded from the tracking server and checked against these sha256s, instead of training in CI.
"""

import json
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import Failure, require_regular_file
from .manifest import CARD_FILE, DATA_FILE, GATE_FILE, MANIFEST_FILE, METRICS_FILE

LOCK_FILE = Path("model.lock")
HEADER = (
    "# The registered model this commit ships: `make propose` writes it in a pull request, and merging it\n"
    "# is the decision. Delivery downloads this version from MLFLOW_TRACKING_URI, refuses it unless its\n"
    "# model.onnx and each file under [files] have these sha256s, and builds the image from it. Delete the\n"
    "# file to train in CI again.\n"
)
# What a registered version may hold beside model.onnx; fetch places exactly the files the lock names.
LOCKABLE_FILES = (MANIFEST_FILE, GATE_FILE, CARD_FILE, METRICS_FILE, DATA_FILE)
# Serving reads the manifest, and the gate report is what says the version passed.
REQUIRED_FILES = (MANIFEST_FILE, GATE_FILE)
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ModelLock(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    version: str = Field(pattern=r"^[1-9][0-9]{0,9}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    run_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    files: dict[str, Sha256]

    @field_validator("files")
    @classmethod
    def known_files_serving_needs(cls, files: dict[str, str]) -> dict[str, str]:
        if unknown := sorted(set(files) - set(LOCKABLE_FILES)):
            raise ValueError(f"{', '.join(unknown)}: a version holds only {', '.join(LOCKABLE_FILES)}")
        if missing := [name for name in REQUIRED_FILES if name not in files]:
            raise ValueError(f"pins no {', '.join(missing)}")
        return dict(sorted(files.items()))


def read_lock(path: Path = LOCK_FILE) -> ModelLock | None:
    """The lock, checked field by field; None when the project has none (CI then trains)."""
    require_regular_file(path)
    try:
        return parse_lock(path.read_text(), str(path))
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as error:
        raise Failure(f"{path}: not valid TOML: {error}") from None


def parse_lock(text: str, source: str) -> ModelLock:
    """The lock in `text` (read from `source`, named in errors), checked field by field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Failure(f"{source}: not valid TOML: {error}") from None
    try:
        return ModelLock.model_validate(raw)
    except ValidationError as error:
        raise Failure(f"{source}: {invalid_field(error)}") from None


def invalid_field(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(file)"
    return f"{key}: {first['msg']} (got {first.get('input')!r})"


def render_lock(lock: ModelLock) -> str:
    # JSON strings of these characters are TOML basic strings; the fields keep a fixed order.
    fields = lock.model_dump(exclude={"files"})
    top = "".join(f"{key} = {json.dumps(value)}\n" for key, value in fields.items())
    files = "".join(f"{json.dumps(name)} = {json.dumps(sha)}\n" for name, sha in lock.files.items())
    return f"{HEADER}{top}\n[files]\n{files}"
