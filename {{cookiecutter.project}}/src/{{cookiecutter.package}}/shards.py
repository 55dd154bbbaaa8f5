"""Shards: Kubernetes runs a job as N pods (an Indexed Job), and pod I takes the I-th share of the work,
given as `I/N` (0-based). A search shares its trials by stride (I, I+N, I+2N...); batch scoring shares
its input in contiguous slices (of a Parquet file's row groups, or of a directory's files), each shard
writing its own part."""

import re
from dataclasses import dataclass

from .errors import Failure

# ASCII digits only: `\d` would take any script's digits, and int() reads them.
I_OF_N = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")


@dataclass(frozen=True)
class Shard:
    """The `index`-th (0-based) of `count` shards."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str, option: str) -> "Shard":
        """`I/N` as given to `option` (--shard, --trial), or one line saying what it should be."""
        match = I_OF_N.fullmatch(text)
        if match is None or not 0 <= int(match[1]) < int(match[2]):
            raise Failure(f"{option} {text!r}: expected I/N with 0 <= I < N, e.g. 0/4 for the first of four")
        return cls(int(match[1]), int(match[2]))

    def trials(self, total: int) -> range:
        """This shard's share of `total` trials by stride: I, I+N, I+2N..."""
        return range(self.index, total, self.count)

    def slice(self, items: int) -> range:
        """The contiguous share of `items` (row groups or files) this shard takes; may be empty."""
        return range(items * self.index // self.count, items * (self.index + 1) // self.count)

    @property
    def last(self) -> bool:
        """The shard an Indexed Job starts last (lowest indexes first)."""
        return self.index == self.count - 1

    @property
    def part_name(self) -> str:
        """Zero-padded, so the parts of one run sort in shard order."""
        return f"part-{self.index:05d}-of-{self.count:05d}"


WHOLE = Shard(0, 1)
