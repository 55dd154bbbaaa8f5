"""Shards: contiguous, covering everything once, in order; a bad --shard is refused in one line."""

import pytest

from {{ cookiecutter.package }}.batch.shards import Shard, parse_shard
from {{ cookiecutter.package }}.errors import Failure


@pytest.mark.parametrize(("items", "count"), [(10, 3), (10, 1), (3, 5), (0, 2)])
def test_shards_split_items_into_contiguous_slices_that_cover_each_once(items: int, count: int) -> None:
    slices = [Shard(index, count).slice(items) for index in range(count)]
    assert [item for part in slices for item in part] == list(range(items))


def test_part_names_sort_in_shard_order() -> None:
    names = [Shard(index, 12).part_name for index in range(12)]
    assert names == sorted(names)
    assert names[3] == "part-00003-of-00012"


@pytest.mark.parametrize("text", ["3/3", "-1/2", "1", "a/b", "1/0", "1/2/3"])
def test_a_shard_outside_zero_to_n_is_refused(text: str) -> None:
    with pytest.raises(Failure, match=r"expected I/N with 0 <= I < N"):
        parse_shard(text)
