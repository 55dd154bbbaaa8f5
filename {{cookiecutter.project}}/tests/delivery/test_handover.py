"""The A/B stage as the watch reads it: the split from the rendered Rollout, and a share held at it."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package }}.delivery import handover
from {{ cookiecutter.package }}.errors import Failure


def rollout(steps: list[Any], annotated: bool = True) -> str:
    annotations = {handover.STAGE_ANNOTATION: "experiment-verdict"} if annotated else {}
    document = {
        "kind": "Rollout",
        "metadata": {"name": "server", "annotations": annotations},
        "spec": {"strategy": {"canary": {"steps": steps}}},
    }
    return yaml.safe_dump_all([{"kind": "Service", "metadata": {"name": "s"}}, document])


VERDICT: Any = {"analysis": {"templates": [{"templateName": "experiment-verdict"}]}}
HEALTH: Any = {"analysis": {"templates": [{"templateName": "canary-health"}]}}


def test_the_split_is_the_weight_set_right_before_the_verdict() -> None:
    steps = [{"setWeight": 50}, HEALTH, {"setWeight": 30}, VERDICT]
    assert handover.split_of(rollout(steps)) == 30


def test_a_rollout_without_the_annotation_has_no_stage() -> None:
    assert handover.split_of(rollout([{"setWeight": 50}, VERDICT], annotated=False)) is None


def test_an_annotated_rollout_without_the_verdict_s_weight_is_refused() -> None:
    with pytest.raises(Failure, match="no step sets a weight before it"):
        handover.split_of(rollout([{"setWeight": 50}, HEALTH, VERDICT]))


def test_a_missing_render_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="render production first"):
        handover.rendered_split(tmp_path)


def test_rounds_nobody_answered_neither_start_nor_break_the_hold() -> None:
    hold = handover.SplitHold(50)
    now = 0.0
    while now <= handover.HOLD_S + handover.CHUNK_S:
        assert not hold.add(now, 0, 0) or now >= handover.HOLD_S
        held = hold.add(now + 1, 10, 20)
        now += 10
    assert held
