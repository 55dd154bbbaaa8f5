"""[train.search]: the trials it declares, checked like [train.params], and which trials a shard runs."""

from pathlib import Path

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.model.config import (
    ModelConfig,
    SearchConfig,
    TrainConfig,
    load_config,
)
from {{ cookiecutter.package }}.model.search import (
    check_search_id,
    check_trials,
    expand,
    metric_of,
    parse_shard,
    search_digest,
)
from {{ cookiecutter.package }}.shards import Shard


def grid(**space: list[object]) -> SearchConfig:
    return SearchConfig(space=space)


def test_a_grid_is_every_combination_in_the_order_written() -> None:
    trials = expand(grid(C=[0.1, 1.0], max_iter=[100, 200]), seed=42)
    assert trials == [
        {"C": 0.1, "max_iter": 100},
        {"C": 0.1, "max_iter": 200},
        {"C": 1.0, "max_iter": 100},
        {"C": 1.0, "max_iter": 200},
    ]


def test_a_random_search_draws_distinct_trials_the_seed_decides() -> None:
    search = SearchConfig(
        kind="random", trials=3, space={"C": [0.01, 0.1, 1.0, 10.0], "max_iter": [100, 200]}
    )
    drawn = expand(search, seed=7)
    assert len(drawn) == len({tuple(trial.items()) for trial in drawn}) == 3
    assert expand(search, seed=7) == drawn
    assert expand(search, seed=8) != drawn


def test_a_random_search_cannot_ask_for_more_trials_than_the_space_holds() -> None:
    with pytest.raises(Failure, match="trials = 5: the space has only 4 combinations"):
        expand(SearchConfig(kind="random", trials=5, space={"C": [1, 2, 3, 4]}), seed=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[train.search]\nkind = 'random'\n[train.search.space]\nC = [1]\n", "needs `trials`"),
        ("[train.search]\ntrials = 2\n[train.search.space]\nC = [1]\n", "drop `trials`"),
        ("[train.search.space]\nC = []\n", "C: list at least one value"),
        ("[train.search.space]\nrandom_state = [1, 2]\n", "set [train] seed instead"),
        ("[train.search]\nmetric = 'acuracy'\n[train.search.space]\nC = [1]\n", "did you mean accuracy?"),
        (
            "[train.search]\nvalidation_size = 1\n[train.search.space]\nC = [1]\n",
            "train.search.validation_size",
        ),
        ("[train.search]\nkind = 'bayes'\n[train.search.space]\nC = [1]\n", "train.search.kind"),
        ("[train.search]\n", "train.search.space"),
    ],
)
def test_a_bad_search_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "model.toml"
    path.write_text(text)
    with pytest.raises(Failure, match=message.replace("[", r"\[").replace("]", r"\]").replace("`", ".")):
        load_config(path)


def test_search_keys_and_values_are_checked_like_train_params() -> None:
    train = TrainConfig(estimator="linear")
    with pytest.raises(
        Failure, match=r"train.search.space.C_: not a parameter of LogisticRegression \(did you mean C\?\)"
    ):
        check_trials([{"C_": 1.0}], train, "binary")
    with pytest.raises(Failure, match=r"train.search trial 1 \{C=-1.0\}: train.params: .*'C'"):
        check_trials([{"C": 1.0}, {"C": -1.0}], train, "binary")


def test_the_project_search_is_valid_for_its_estimator_and_task(
    model_config: ModelConfig, manifest: object
) -> None:
    search = model_config.train.search
    if search is None:
        pytest.skip("model.toml has no [train.search]: make tune refuses in one line until one is added")
    task = manifest.task  # type: ignore[attr-defined]
    check_trials(expand(search, model_config.train.seed), model_config.train, task)
    assert metric_of(search, task)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5/4", "expected I/N with 0 <= I < N"),
        ("4/4", "expected I/N with 0 <= I < N"),
        ("-1/4", "expected I/N"),
        ("1of4", "expected I/N"),
        ("0/9", "the search has 8 trials, so at most 8 shards"),
    ],
)
def test_a_trial_shard_outside_the_search_is_refused(text: str, message: str) -> None:
    with pytest.raises(Failure, match=message) as refused:
        parse_shard(text, 8)
    assert str(refused.value).startswith("--trial ")


def test_shards_split_the_trials_between_them_and_the_last_one_picks() -> None:
    shards = [parse_shard(f"{index}/3", 8) for index in range(3)]
    assert sorted(trial for shard in shards for trial in shard.trials(8)) == list(range(8))
    assert [shard.last for shard in shards] == [False, False, True]
    assert Shard(0, 1).last


@pytest.mark.parametrize("text", ["a'b", "x" * 65, "", "-lead", "a b"])
def test_a_search_id_that_could_break_a_query_is_refused(text: str) -> None:
    with pytest.raises(Failure, match="--search"):
        check_search_id(text)


def test_the_digest_tells_apart_searches_that_cannot_be_compared() -> None:
    train = TrainConfig(estimator="linear")
    trials = [{"C": 1.0}, {"C": 10.0}]
    digest = search_digest(train, trials, "data-a")
    assert search_digest(train, trials, "data-a") == digest
    assert search_digest(train, trials, "data-b") != digest
    assert search_digest(train, trials[:1], "data-a") != digest
    assert search_digest(train.model_copy(update={"seed": 1}), trials, "data-a") != digest
