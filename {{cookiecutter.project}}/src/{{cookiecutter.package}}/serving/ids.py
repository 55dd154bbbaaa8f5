"""The server's prediction id keys: the configured ones, or a key made at start and shared by the workers.

uvicorn spawns its workers, which inherit the parent's environment and nothing else. A key made in a
worker would be that worker's alone: its ids would verify on no other worker. So `serve` makes the key
in the parent, before uvicorn starts (`share_start_key`), and a worker spawned by anything else with no
key refuses to start (`id_keys_of`) rather than sign ids its siblings reject.
"""

import base64
import logging
import multiprocessing

from ..errors import Failure
from ..outcomes.ids import IdKeys, SigningKey
from ..outcomes.settings import KEY_VARIABLE, export_key
from .settings import ServerSettings

log = logging.getLogger(__name__)

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
