"""The pick of a search, against the tracking server: it waits for every trial, and refuses a trial run
under the same search id from another model.toml or other data (a stale shard)."""

import uuid

import pytest

from {{ cookiecutter.package }} import registry as models
from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.model.tuning import (
    DIGEST_TAG,
    ROLE_TAG,
    SEARCH_TAG,
    TRIAL_TAG,
    Search,
    pick_best,
)

from ..stores import Stores

pytestmark = pytest.mark.cluster


def search(trials: int = 2) -> Search:
    return Search(f"s-{uuid.uuid4().hex[:8]}", [{"C": float(n)} for n in range(trials)], "r2", "digest-a")


def log_trial(stores: Stores, found: Search, index: int, value: float, digest: str | None = None) -> None:
    from mlflow.entities import Metric

    client = models.connect(stores.tracking)
    experiment = models.ensure_experiment(client, "tuning-test")
    tags = {
        SEARCH_TAG: found.id,
        TRIAL_TAG: str(index),
        DIGEST_TAG: digest or found.digest,
        ROLE_TAG: "trial",
    }
    run = client.create_run(experiment, tags=tags).info.run_id
    client.log_batch(run, metrics=[Metric("validation_r2", value, 0, 0)])
    client.set_terminated(run, "FINISHED")


def pick(stores: Stores, found: Search, timeout_s: float = 0.0) -> int:
    client = models.connect(stores.tracking)
    return pick_best(
        client, models.ensure_experiment(client, "tuning-test"), found, timeout_s, lambda _: None
    ).index


def test_the_best_validation_score_wins_and_a_tie_goes_to_the_lowest_trial(tracking_server: Stores) -> None:
    found = search(3)
    for index, value in enumerate([0.5, 0.8, 0.8]):
        log_trial(tracking_server, found, index, value)
    assert pick(tracking_server, found) == 1


def test_the_pick_waits_for_every_trial_and_names_the_missing_ones(tracking_server: Stores) -> None:
    found = search(3)
    log_trial(tracking_server, found, 0, 0.5)
    with pytest.raises(Failure, match=r"trials \[1, 2\] did not finish within 0 s"):
        pick(tracking_server, found)


def test_a_stale_shard_under_the_same_search_id_is_refused(tracking_server: Stores) -> None:
    """A shard that read other data, or ran an older model.toml (another grid), has another digest."""
    found = search(2)
    log_trial(tracking_server, found, 0, 0.5)
    log_trial(tracking_server, found, 1, 0.9, digest="digest-of-yesterday")
    with pytest.raises(Failure, match=r"trial 1 .* ran another search or other data than this one"):
        pick(tracking_server, found)


def test_a_trial_index_beyond_the_search_is_refused(tracking_server: Stores) -> None:
    found = search(2)
    log_trial(tracking_server, found, 0, 0.5)
    log_trial(tracking_server, found, 5, 0.9)
    with pytest.raises(Failure, match=r"trial 5 .* ran another search"):
        pick(tracking_server, found)


def test_shards_starting_at_once_on_a_new_experiment_all_find_it(tracking_server: Stores) -> None:
    """An Indexed Job starts its pods together: one creates the experiment, the others must not fail on
    the store's unique constraint (RESOURCE_ALREADY_EXISTS) but find it."""
    from concurrent.futures import ThreadPoolExecutor

    name = f"new-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(4) as pool:
        ids = list(
            pool.map(
                lambda _: models.ensure_experiment(models.connect(tracking_server.tracking), name), range(4)
            )
        )
    assert len(set(ids)) == 1
