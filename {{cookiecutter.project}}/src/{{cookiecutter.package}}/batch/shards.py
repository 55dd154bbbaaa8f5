"""Which part of the input one shard scores: a contiguous slice of a Parquet file's row groups, or of a
directory's files. Kubernetes runs the shards (an Indexed Job); each writes its own part."""

import re
from dataclasses import dataclass

from ..errors import Failure

SHARD = re.compile(r"(\d{1,6})/(\d{1,6})")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def slice(self, items: int) -> range:
        """The contiguous share of `items` (row groups or files) this shard takes; may be empty."""
        return range(items * self.index // self.count, items * (self.index + 1) // self.count)

    @property
    def part_name(self) -> str:
        """Zero-padded, so the parts of one run sort in shard order."""
        return f"part-{self.index:05d}-of-{self.count:05d}"


WHOLE = Shard(0, 1)


def parse_shard(text: str) -> Shard:
    match = SHARD.fullmatch(text)
    if match is None or not 0 <= int(match[1]) < int(match[2]):
        raise Failure(f"--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/4 for the first of four")
    return Shard(int(match[1]), int(match[2]))
