"""A model reaches the directory that serving, the image and the registry read only by passing the gate.

`make train export validate` work on a candidate directory; validate copies a candidate that passed over
the served one (artifacts/ by default), so a failed model is never left where `make serve` finds it.
"""

import shutil
from pathlib import Path

from ..manifest import MANIFEST_FILE, read_manifest


def served_version(into: Path) -> str | None:
    """The version of the model `into` holds, None when it holds none."""
    return read_manifest(into).version if (into / MANIFEST_FILE).is_file() else None


def accept(candidate: Path, into: Path) -> None:
    """Replace `into` with a copy of `candidate`: a copy beside it, then two renames, so a crash leaves
    either model whole."""
    if into.exists() and into.resolve() == candidate.resolve():
        return
    into.parent.mkdir(parents=True, exist_ok=True)
    incoming, outgoing = into.with_name(f".{into.name}.incoming"), into.with_name(f".{into.name}.outgoing")
    for leftover in (incoming, outgoing):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(candidate, incoming)
    if into.exists():
        into.rename(outgoing)
    incoming.rename(into)
    shutil.rmtree(outgoing, ignore_errors=True)
