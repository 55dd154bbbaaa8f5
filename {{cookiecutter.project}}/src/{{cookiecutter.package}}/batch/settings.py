"""What `score` reads beyond the model runtime's settings: its files and its chunk size."""

from pydantic import Field

from ..runtime.settings import RuntimeSettings


class BatchSettings(RuntimeSettings):
    score_input: str | None = Field(
        None, description="`score`: a .csv or .parquet file, or a directory of them"
    )
    score_output: str | None = Field(
        None, description="`score`: the .csv or .parquet file to write; with --shard, the directory of parts"
    )
    score_errors: str | None = Field(
        None, description="`score`: where rows that fail the input checks go; unset, such a row fails the run"
    )
    score_batch_rows: int = Field(16384, ge=1, description="`score`: rows read, checked and scored at a time")
