"""Shards: `I/N` read once for --shard and --trial, trials shared by stride and inputs in contiguous
slices, each covering everything once, in order; a bad `I/N` is refused in one line."""

import pytest

from {{ cookiecutter.package }}.errors import Failure
from {{ cookiecutter.package }}.shards import WHOLE, Shard


@pytest.mark.parametrize(("items", "count"), [(10, 3), (10, 1), (3, 5), (0, 2)])
def test_shards_split_items_into_contiguous_slices_that_cover_each_once(items: int, count: int) -> None:
    slices = [Shard(index, count).slice(items) for index in range(count)]
    assert [item for part in slices for item in part] == list(range(items))


@pytest.mark.parametrize(("total", "count"), [(8, 3), (8, 1), (3, 5)])
def test_shards_split_trials_by_stride_and_cover_each_once(total: int, count: int) -> None:
    shares = [list(Shard(index, count).trials(total)) for index in range(count)]
    assert sorted(trial for share in shares for trial in share) == list(range(total))


def test_a_shard_runs_every_nth_trial_from_its_index() -> None:
    assert list(Shard(1, 3).trials(8)) == [1, 4, 7]


def test_only_the_last_shard_is_last() -> None:
    assert [Shard(index, 3).last for index in range(3)] == [False, False, True]
    assert WHOLE.last


def test_part_names_sort_in_shard_order() -> None:
    names = [Shard(index, 12).part_name for index in range(12)]
    assert names == sorted(names)
    assert names[3] == "part-00003-of-00012"


def test_i_of_n_is_read_as_the_shard() -> None:
    assert Shard.parse("2/4", "--shard") == Shard(2, 4)
    assert Shard.parse("0/1", "--trial") == WHOLE


@pytest.mark.parametrize(
    "text",
    [
        "3/3",
        "-1/2",
        "1",
        "a/b",
        "1/0",
        "1/2/3",
        " 1/2",
        "1234567/9999999",
        "",
        "\u0661/\u0662",
        "\uff11/\uff12",
    ],
)
def test_a_shard_outside_zero_to_n_is_refused_in_one_line_naming_the_option(text: str) -> None:
    with pytest.raises(Failure, match=r"expected I/N with 0 <= I < N") as refused:
        Shard.parse(text, "--shard")
    assert str(refused.value).startswith(f"--shard {text!r}: ")
    assert "\n" not in str(refused.value)
