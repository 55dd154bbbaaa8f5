"""A small table written as a prefix of Parquet or CSV parts, for the tests of sources and reading."""

from pathlib import Path

import pandas as pd

FRAME = pd.DataFrame({"x": [float(i) for i in range(12)], "label": ["a", "b"] * 6})


def write_parts(directory: Path, parts: int = 3, suffix: str = ".parquet") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for index in range(parts):
        part = FRAME.iloc[index * 4 : (index + 1) * 4]
        path = directory / f"part-{index}{suffix}"
        part.to_parquet(path, index=False) if suffix == ".parquet" else part.to_csv(path, index=False)
    return directory
