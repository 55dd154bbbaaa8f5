"""model.lock: the registered model version a commit ships (name, version, ONNX sha256, run id).

`propose` writes it in a pull request; once merged, delivery builds the image from that version,
downloaded from the tracking server and checked against this sha256, instead of training in CI.
"""

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CliError

LOCK_FILE = Path("model.lock")
HEADER = (
    "# The registered model this commit ships: `make propose` writes it in a pull request, and merging it\n"
    "# is the decision. Delivery downloads this version from MLFLOW_TRACKING_URI, refuses it unless its\n"
    "# model.onnx has this sha256, and builds the image from it. Delete the file to train in CI again.\n"
)


class ModelLock(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    version: str = Field(pattern=r"^[1-9][0-9]{0,9}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    run_id: str = Field(pattern=r"^[0-9a-f]{32}$")


def read_lock(path: Path = LOCK_FILE) -> ModelLock | None:
    """The lock, checked field by field; None when the project has none (CI then trains)."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: not valid TOML: {error}") from None
    try:
        return ModelLock.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise CliError(f"{path}: {key}: {first['msg']} (got {first.get('input')!r})") from None


def render_lock(lock: ModelLock) -> str:
    # JSON strings of these characters are TOML basic strings; the fields keep a fixed order.
    fields = "".join(f"{key} = {json.dumps(value)}\n" for key, value in lock.model_dump().items())
    return HEADER + fields
