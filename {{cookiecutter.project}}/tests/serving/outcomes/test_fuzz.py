"""Property-based fuzzing of /v1/outcomes: whatever the body, the answer is a result per outcome or a
4xx, never a server error. Ids are signed with the server's key, so drawn outcomes reach every check
down to the counters; then up to three parts of the body are replaced by any JSON."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from {{ cookiecutter.package }}.outcomes.ids import Kind
from {{ cookiecutter.package }}.serving.http.responses import ApiError
from {{ cookiecutter.package }}.serving.outcomes.routes import Handler, outcomes_handler
from {{ cookiecutter.package }}.serving.plane import Plane
from {{ cookiecutter.package }}.serving.settings import ServerSettings

from ..test_fuzz import FUZZ, JSON, TEXT, Path_, encode, mutate
from .conftest import KEYS, SETTINGS

TRUTHS = (
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT | st.sampled_from([10**400, "1e999", "0"])
)


@pytest.fixture(scope="module")
def handler(artifacts_dir: Path) -> tuple[Handler, str, list[str]]:
    plane = Plane.load(ServerSettings(model_dir=artifacts_dir, workers=1, **SETTINGS))
    assert plane.version is not None
    assert plane.predictor.manifest is not None
    return outcomes_handler(plane), plane.version, plane.predictor.manifest.classes or []


@st.composite
def outcome_bodies(draw: st.DrawFn, version: str, classes: list[str]) -> bytes:
    """Outcomes of ids of either kind, old or new, of this version or another, of this class list or
    another, each damaged at will."""
    count = draw(st.integers(1, 4))
    outcomes: list[dict[str, Any]] = []
    for _ in range(count):
        kind = draw(st.sampled_from(list(Kind)))
        # A class of this model's list, or of another model's.
        listed = draw(st.sampled_from([classes, ["0", "1", "other"]] if classes else [["0", "1", "other"]]))
        value = (
            draw(st.integers(0, len(listed) - 1)) if kind is Kind.CLASS else draw(st.floats(-1e300, 1e300))
        )
        issued = draw(st.integers(0, 2**40 - 1) | st.just(1_800_000_000))
        token = KEYS.sign(draw(st.just(version) | st.just("0" * 12)), kind, issued, value, listed)
        outcomes.append(
            {"prediction_id": token, draw(st.sampled_from(["label", "value", "business"])): draw(TRUTHS)}
        )
    parts: list[Path_] = [
        ("outcomes",),
        ("outcomes", 0),
        ("outcomes", 0, "prediction_id"),
        ("outcomes", 0, "x"),
    ]
    single = draw(st.booleans())
    document: Any = outcomes[0] if single else {"outcomes": outcomes}
    mutated = mutate(draw, document, [("prediction_id",), ("label",), ("x",)] if single else parts)
    return draw(st.just(encode(mutated)) | JSON.map(encode) | st.binary(max_size=64))


def status_of(handle: Handler, body: bytes) -> int:
    """The status the route would send; any exception other than ApiError fails the test."""
    try:
        _, status = handle(body, {"content-type": "application/json"})
    except ApiError as error:
        return error.status
    return status


@given(data=st.data())
@FUZZ
def test_no_outcome_request_gets_a_server_error(
    handler: tuple[Handler, str, list[str]], data: st.DataObject
) -> None:
    handle, version, classes = handler
    assert status_of(handle, data.draw(outcome_bodies(version, classes))) in (200, 400, 413, 422)
