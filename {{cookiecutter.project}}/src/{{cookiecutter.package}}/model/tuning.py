"""A search's trials and its pick: each trial fits on the training rows minus a validation share and is
scored on that share, never on the test rows, as an MLflow run of the search; the best one wins."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import registry
from ..errors import Failure
from ..shards import Shard
from .config import ModelConfig
from .data import Split, fingerprint, split_dataset
from .dataset import Dataset
from .estimators import pipeline_for
from .metrics import LOWER_IS_BETTER, score
from .search import check_trials, describe, expand, metric_of, search_digest
from .train import decision_threshold, predict

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

SEARCH_TAG, TRIAL_TAG, DIGEST_TAG, ROLE_TAG = "search_id", "trial", "search_digest", "role"
POLL_S = 5.0


@dataclass(frozen=True)
class Search:
    id: str
    trials: list[dict[str, Any]]
    metric: str
    digest: str


@dataclass(frozen=True)
class Pick:
    index: int
    params: dict[str, Any]
    value: float
    runs: dict[int, str]


def plan_search(config: ModelConfig, dataset: Dataset, search_id: str) -> Search:
    search = config.train.search
    if search is None:
        raise Failure("model.toml has no [train.search]: add one to tune (README: Train on the cluster)")
    trials = expand(search, config.train.seed)
    check_trials(trials, config.train, dataset.task)
    digest = search_digest(config.train, trials, fingerprint(dataset))
    return Search(search_id, trials, metric_of(search, dataset.task), digest)


def validation_split(dataset: Dataset, config: ModelConfig) -> Split:
    """The training rows of train's split, less a validation share: the test rows stay unseen."""
    from sklearn.model_selection import train_test_split

    train, search = config.train, config.train.search
    assert search is not None
    split = split_dataset(dataset, train.test_size, train.seed)
    stratify = None if dataset.task == "regression" else split.y_train
    try:
        x_fit, x_val, y_fit, y_val = train_test_split(
            split.x_train, split.y_train, test_size=search.validation_size, random_state=train.seed,
            stratify=stratify,
        )  # fmt: skip
    except ValueError as error:
        share = search.validation_size
        raise Failure(f"{dataset.source}: cannot hold out validation_size={share}: {error}") from None
    return Split(x_fit, x_val, y_fit, y_val)


def run_shard(
    config: ModelConfig,
    dataset: Dataset,
    search: Search,
    shard: Shard,
    client: "MlflowClient",
    experiment: str,
) -> None:
    """This shard's trials, each recorded as a run tagged with the search, its index and its digest."""
    from mlflow.entities import Metric, Param

    split, train = validation_split(dataset, config), config.train
    threshold = decision_threshold(dataset, train)
    features = dataset.features
    for index in shard.trials(len(search.trials)):
        trial = search.trials[index]
        tags = {SEARCH_TAG: search.id, TRIAL_TAG: str(index), DIGEST_TAG: search.digest, ROLE_TAG: "trial"}
        run_id = str(client.create_run(experiment, run_name=f"trial-{index}", tags=tags).info.run_id)
        with registry.run_status(client, run_id):
            params = {**train.params, **trial}
            model = pipeline_for(
                train.estimator, dataset.task, len(features.numeric), len(features.categorical), params,
                train.seed,
            )  # fmt: skip
            model.fit(split.x_train, split.y_train.to_numpy())
            metrics = score(dataset.task, split.y_test.to_numpy(), predict(model, split), threshold)
            now = int(time.time() * 1000)
            client.log_batch(
                run_id,
                metrics=[Metric(f"validation_{name}", value, now, 0) for name, value in metrics.items()],
                params=[Param(f"model.{key}", str(value)) for key, value in params.items()],
            )
        print(f"trial {index} {describe(trial)}: validation {search.metric} {metrics[search.metric]:.4f}")


def trial_runs(client: "MlflowClient", experiment: str, search: Search) -> dict[int, "Run"]:
    """The finished run of each trial so far; a run of this search from other trials or data is refused."""
    found: dict[int, Run] = {}
    query = f"tags.{SEARCH_TAG} = '{search.id}' and tags.{ROLE_TAG} = 'trial'"
    for run in client.search_runs([experiment], query, max_results=5000):
        index = int(run.data.tags.get(TRIAL_TAG, "-1"))
        if run.data.tags.get(DIGEST_TAG) != search.digest or not 0 <= index < len(search.trials):
            raise Failure(
                f"search {search.id}: trial {index} (run {run.info.run_id}) ran another search or other "
                "data than this one (model.toml or the data changed meanwhile); start a new search"
            )
        if run.info.status == "FINISHED":
            found[index] = run
    return found


def pick_best(
    client: "MlflowClient",
    experiment: str,
    search: Search,
    timeout_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Pick:
    """Once every trial finished (the other shards may still run), the best validation score; ties go
    to the lowest trial index, so every run of the same search picks the same trial."""
    deadline = time.monotonic() + timeout_s
    while len(runs := trial_runs(client, experiment, search)) < len(search.trials):
        if time.monotonic() >= deadline:
            missing = sorted(set(range(len(search.trials))) - set(runs))
            raise Failure(f"search {search.id}: trials {missing} did not finish within {timeout_s:g} s")
        sleep(POLL_S)
    key = f"validation_{search.metric}"
    sign = 1.0 if search.metric in LOWER_IS_BETTER else -1.0
    values = {index: float(run.data.metrics[key]) for index, run in runs.items()}
    best = min(values, key=lambda index: (sign * values[index], index))
    ids = {index: str(run.info.run_id) for index, run in runs.items()}
    return Pick(best, search.trials[best], values[best], ids)


def record_search(client: "MlflowClient", experiment: str, search: Search, pick: Pick) -> str:
    """The search's own run, with its trials nested under it and the pick logged on it; a search picked
    again (its last shard retried) reuses it."""
    from mlflow.entities import Metric, Param

    query = f"tags.{SEARCH_TAG} = '{search.id}' and tags.{ROLE_TAG} = 'search'"
    if found := client.search_runs([experiment], query, max_results=1):
        parent = str(found[0].info.run_id)
    else:
        tags = {SEARCH_TAG: search.id, DIGEST_TAG: search.digest, ROLE_TAG: "search"}
        parent = str(client.create_run(experiment, run_name=f"search-{search.id}", tags=tags).info.run_id)
    for run_id in pick.runs.values():
        client.set_tag(run_id, registry.PARENT_RUN_TAG, parent)
    params = [Param("best_trial", str(pick.index))]
    params += [Param(f"best.{key}", str(value)) for key, value in pick.params.items()]
    metric = Metric(f"validation_{search.metric}", pick.value, int(time.time() * 1000), 0)
    client.log_batch(parent, metrics=[metric], params=params)
    client.set_terminated(parent, "FINISHED")
    return parent
