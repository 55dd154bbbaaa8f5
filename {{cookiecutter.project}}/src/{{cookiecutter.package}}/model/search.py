"""[train.search] as one ordered list of trials, checked like [train.params]; the shard `--trial I/N`
(one pod of an Indexed Job) runs trials I, I+N, I+2N... (shards.py)."""

import difflib
import hashlib
import itertools
import json
import re
from typing import Any

import numpy as np

from ..errors import Failure
from ..manifest import Task
from ..shards import Shard
from .config import SearchConfig, TrainConfig
from .estimators import make_estimator, spec_for
from .metrics import DEFAULT_SKILL, metric_problem

# A search id goes into MLflow filter strings: nothing there may be able to close a quote.
SEARCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


def parse_shard(text: str, total: int) -> Shard:
    """`--trial I/N`, with no more shards than trials: a shard without one means the Job's completions
    no longer match [train.search]."""
    shard = Shard.parse(text, "--trial")
    if shard.count > total:
        raise Failure(
            f"--trial {text}: the search has {total} trials, so at most {total} shards; the Job's "
            "completions no longer match [train.search]: set them to the number of trials"
        )
    return shard


def check_search_id(text: str) -> str:
    if SEARCH_ID.fullmatch(text) is None:
        raise Failure(f"--search {text!r}: letters, digits and '-', at most 64")
    return text


def expand(search: SearchConfig, seed: int) -> list[dict[str, Any]]:
    """Every combination for a grid; for a random search `trials` distinct ones, drawn with the seed."""
    keys = list(search.space)
    grid = [dict(zip(keys, values, strict=True)) for values in itertools.product(*search.space.values())]
    if search.kind == "grid" or search.trials is None:
        return grid
    if search.trials > len(grid):
        raise Failure(f"train.search.trials = {search.trials}: the space has only {len(grid)} combinations")
    drawn = np.random.default_rng(seed).choice(len(grid), size=search.trials, replace=False)
    return [grid[int(index)] for index in drawn]


def metric_of(search: SearchConfig, task: Task) -> str:
    metric = search.metric or next(iter(DEFAULT_SKILL[task]))
    if (problem := metric_problem(metric, task)) is not None:
        raise Failure(f"model.toml [train.search] metric: {problem}")
    return metric


def check_trials(trials: list[dict[str, Any]], train: TrainConfig, task: Task) -> None:
    """Each key a parameter of the estimator, each trial's values ones scikit-learn accepts."""
    spec = spec_for(train.estimator, task)
    known = spec.make().get_params()
    for key in trials[0]:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise Failure(f"train.search.space.{key}: not a parameter of {spec.name}{hint}")
    for index, trial in enumerate(trials):
        try:
            make_estimator(spec, {**train.params, **trial}, train.seed)
        except Failure as error:
            raise Failure(f"train.search trial {index} {describe(trial)}: {error}") from None


def describe(trial: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{key}={value!r}" for key, value in trial.items()) + "}"


def search_digest(train: TrainConfig, trials: list[dict[str, Any]], data_fingerprint: str) -> str:
    """What makes two shards' trials comparable: the same trials, split, seed and data. A shard from
    another model.toml, or one that read the data after it changed, gets another digest."""
    content = {
        "train": train.model_dump(mode="json"),
        "trials": trials,
        "data": data_fingerprint,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
