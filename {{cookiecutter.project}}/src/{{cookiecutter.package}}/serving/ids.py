"""The server's prediction id keys: the configured ones, or a key made at start and shared by the workers.

uvicorn spawns its workers, which inherit the parent's environment and nothing else. A key made in a
worker would be that worker's alone: its ids would verify on no other worker. So `serve` makes the key
in the parent, before uvicorn starts (`share_start_key`), and a worker spawned by anything else with no
key refuses to start (`id_keys_of`) rather than sign ids its siblings reject.
"""

import base64
import logging
import multiprocessing
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import orjson
from prometheus_client import Counter
from pydantic import Field

from ..errors import Failure
from ..manifest import LABEL_OUTPUT, VALUE_OUTPUT
from ..outcomes.ids import IdKeys, Kind, SigningKey
from ..outcomes.settings import KEY_VARIABLE, export_key
from .settings import ServerSettings
from .shadow import REASK

if TYPE_CHECKING:  # onnxruntime, which `serve`'s parent and every other command never load
    from ..runtime.predictor import Outputs

log = logging.getLogger(__name__)

# How a request reached this pod, as model_prediction_ids_total and model_prediction_requests_total count it.
SOURCES = ("split", "header", "mirror")
VARIANT = "x-model-variant"  # the production Rollout's header route to the canary
MIRROR = "-shadow"  # what Envoy appends to a mirrored request's host
NUMPY = orjson.OPT_SERIALIZE_NUMPY

UNSHARED = (
    f"prediction ids: {KEY_VARIABLE} is not set and this worker was started by another process (uvicorn"
    " --workers or --reload?): a key of its own would not verify on its siblings. Set"
    f" {KEY_VARIABLE} (openssl rand -base64 32), or start the server with `serve`, which shares one"
)


def share_start_key(settings: ServerSettings) -> None:
    """With no key configured, make one now, before any worker starts, and give it to them all."""
    if settings.prediction_id_key is not None:
        return
    export_key(base64.b64encode(SigningKey.generate().secret).decode())
    _say_made(settings.workers)


def id_keys_of(settings: ServerSettings) -> IdKeys:
    """The keys this worker signs and verifies ids with; with none configured, a key of its own when it
    is the server's only process, else a Failure (see the module docstring)."""
    keys = settings.id_keys()
    if keys is not None:
        return keys
    if multiprocessing.parent_process() is not None:
        raise Failure(UNSHARED)
    _say_made(1)
    return IdKeys(SigningKey.generate(), max_age=settings.prediction_id_max_age)


def _say_made(workers: int) -> None:
    shared = f"shared by its {workers} workers" if workers > 1 else "held by this process"
    log.warning(
        "prediction ids: %s is not set, so the server made a key at start, %s; ids it signs will not"
        " verify after a restart or on another server (set the key for that: docs/deploy.md)",
        KEY_VARIABLE,
        shared,
    )


class IdStamper:
    """Signs an id for each row of the served model's answers, and counts them by how each request came."""

    def __init__(
        self, keys: IdKeys, version: str, classes: list[str] | None, counters: tuple[Counter, Counter]
    ) -> None:
        """`classes`: the model's, None for a regressor; `counters`: of rows and of requests, both by
        version and source."""
        kind = Kind.VALUE if classes is None else Kind.CLASS
        self.signer = keys.signer(version, kind, classes or ())
        rows, requests = counters
        self.counts = {
            source: (rows.labels(version, source), requests.labels(version, source)) for source in SOURCES
        }

    def stamp(self, outputs: "Outputs", headers: Mapping[str, str], as_text: bool = False) -> list[str]:
        """An id per row, of its class (the graph's label index, signed as the class's name), or of its
        value exactly as the client reads it: the float64 /predict writes, or, `as_text`, the shortest
        text of the output's own type that OIP JSON writes."""
        labels = outputs.get(LABEL_OUTPUT)
        if labels is not None:
            values = labels.tolist()
        else:
            floats = outputs[VALUE_OUTPUT].ravel()
            values = orjson.loads(orjson.dumps(floats, option=NUMPY)) if as_text else floats.tolist()
        ids = self.signer.sign(int(time.time()), values)
        rows, requests = self.counts[source_of(headers)]
        rows.inc(len(ids))
        requests.inc()
        return ids


def source_of(headers: Mapping[str, str]) -> str:
    """`mirror` for a copy the Gateway mirrored (Envoy appends -shadow to the host, before or after its
    port) or the shadow stage re-asked; `header` for a request routed by X-Model-Variant; else `split`."""
    host = headers.get("host", "")
    if REASK in headers or host.endswith(MIRROR) or host.rpartition(":")[0].endswith(MIRROR):
        return "mirror"
    return "header" if VARIANT in headers else "split"


# How the OpenAPI documents the ids (outcomes/ids.py), which clients post back with the true outcome.
ID_PATTERN = "^[A-Za-z0-9_-]{56}$"
PredictionIds = Annotated[
    list[Annotated[str, Field(pattern=ID_PATTERN)]],
    Field(description="An id per row, signed: what was predicted, by which model version, and when"),
]
ID_HEADER = {
    "X-Prediction-Id": {
        "description": "The prediction id of an answer of one row (the same as in its body)",
        "schema": {"type": "string", "pattern": ID_PATTERN},
    }
}


def id_header(ids: list[str]) -> tuple[tuple[bytes, bytes], ...]:
    """The X-Prediction-Id header of an answer of one row; none for more."""
    return ((b"x-prediction-id", ids[0].encode()),) if len(ids) == 1 else ()
