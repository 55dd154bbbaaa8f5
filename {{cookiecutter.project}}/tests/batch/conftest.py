"""Inputs for batch scoring, made from the model's own manifest so they suit any dataset (test_arrow asks
the server in process, tests/apps.py, the same rows)."""

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package }}.manifest import ModelManifest

from ..rows import typical_rows


def table_of(manifest: ModelManifest, count: int) -> pa.Table:
    """`count` typical rows with an `id` column; every seventh number and category is missing."""
    rows = typical_rows(manifest, count)
    for index, row in enumerate(rows):
        row["id"] = f"id-{index}"
        for name in row:
            if index % 7 == 3 and name != "id":
                row[name] = None
    return pa.Table.from_pylist(rows)


@pytest.fixture
def make_input(manifest: ModelManifest, tmp_path: Path) -> Callable[..., Path]:
    """Write an input file of `rows` rows as .csv or .parquet (in row groups of `group` rows)."""

    def make(name: str = "input.parquet", rows: int = 120, group: int = 12) -> Path:
        path = tmp_path / name
        table = table_of(manifest, rows)
        if path.suffix == ".csv":
            import pyarrow.csv as pa_csv

            pa_csv.write_csv(table, path)
        else:
            pq.write_table(table, path, row_group_size=group)
        return path

    return make
