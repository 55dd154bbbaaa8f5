"""The server's readiness: the data plane's reason first (draining, a model that did not load), then a
stalled admission, which only the HTTP layer knows of."""

from pathlib import Path

from {{ cookiecutter.package }}.serving.http.admission import ADMISSION, Slot
from {{ cookiecutter.package }}.serving.plane import STALLED, Plane, unready_reason
from {{ cookiecutter.package }}.serving.settings import ServerSettings


def stall_admission() -> list[Slot | None]:
    """Every slot of the worker held, none given back for longer than the stall time."""
    slots = [ADMISSION.take(set()) for _ in range(ADMISSION.limit)]
    ADMISSION.progress -= ADMISSION.stall_s + 1
    return slots


def test_a_stalled_admission_makes_a_ready_model_unready(artifacts_dir: Path) -> None:
    plane = Plane.load(ServerSettings(model_dir=artifacts_dir, workers=1))
    assert unready_reason(plane) is None
    slots = stall_admission()
    try:
        assert unready_reason(plane) == STALLED
        plane.draining = True
        assert unready_reason(plane) == "draining", "the data plane's reason comes first"
    finally:
        for slot in slots:
            assert slot is not None
            slot.release()
    assert unready_reason(plane) == "draining"


def test_a_model_that_did_not_load_gives_its_own_reason(tmp_path: Path) -> None:
    plane = Plane.load(ServerSettings(model_dir=tmp_path, workers=1))
    assert unready_reason(plane) == "model files are missing: run `make model`"
