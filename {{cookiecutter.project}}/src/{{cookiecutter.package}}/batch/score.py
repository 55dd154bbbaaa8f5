"""`score`: stream an input through the server's checks and model (runtime/), chunk by chunk.

A bad row stops the run with its file, row and column, or, with an errors file, is written there while
the other rows are scored. Nothing is renamed into place unless the whole run succeeded.
"""

import itertools
import signal
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import Failure
from ..manifest import LABEL_OUTPUT, PROBABILITIES_OUTPUT, VALUE_OUTPUT, ModelManifest
from ..runtime.columns import Columns
from ..runtime.predictor import DEFAULT_LIMITS, FileLimits, Predictor
from ..shards import WHOLE, Shard
from . import arrow
from .io import AtomicWriter, Chunk, csv_head, input_files, open_parquet, read_chunks

# Set by SIGTERM (Kubernetes stopping the pod). The loop checks it between chunks: raising from the
# handler itself could land inside a library that swallows the exception (pyarrow does), and go on.
STOP = threading.Event()

ERRORS_SCHEMA = pa.schema(
    [("file", pa.string()), ("row", pa.int64()), ("column", pa.string()), ("error", pa.string())]
)


@dataclass(frozen=True)
class Job:
    input: Path
    output: Path
    errors: Path | None
    shard: Shard | None
    keep: list[str]
    batch_rows: int
    # Refuse rows holding a category training never saw (APP_STRICT_CATEGORIES), as the server does.
    strict: bool = False


@dataclass(frozen=True)
class Summary:
    output: Path
    scored: int
    refused: int


def check_paths(job: Job) -> None:
    """Refuse any overlap of input, output and errors (the same path, or one inside the other, symlinks
    resolved): an output written over its input replaced it, and one inside an input directory would
    be read by the next run."""
    named = [("--input", job.input), ("--output", job.output), ("--errors", job.errors)]
    resolved = [(flag, path.resolve()) for flag, path in named if path is not None]
    for (first, one), (second, other) in itertools.combinations(resolved, 2):
        if one == other or one in other.parents or other in one.parents:
            raise Failure(f"{first} {one} and {second} {other} overlap; give each its own place")


def run_job(job: Job, model_dir: Path, threads: int, limits: FileLimits = DEFAULT_LIMITS) -> Summary:
    check_paths(job)
    predictor = Predictor()
    predictor.load(model_dir, threads, 1, limits)
    if predictor.manifest is None or predictor.session is None:
        raise Failure(f"{model_dir}: model not ready: {predictor.detail}")
    scorer = Scorer(predictor, job)
    # With a shard, output and errors are directories, and this shard writes its own part of each.
    output = job.output / f"{job.shard.part_name}.parquet" if job.shard else job.output
    errors_path = job.errors / f"{job.shard.part_name}.parquet" if job.shard and job.errors else job.errors
    # Both files are committed once every chunk is scored, the output first; a failure removes both.
    with (
        AtomicWriter(errors_path, ERRORS_SCHEMA) if errors_path else nullcontext() as errors,
        AtomicWriter(output, scorer.schema) as writer,
    ):
        for chunk in read_chunks(job.input, job.shard or WHOLE, scorer.read_types, job.batch_rows):
            if STOP.is_set():
                raise SystemExit(128 + signal.SIGTERM)
            scored, refused = scorer.score(chunk)
            writer.write(scored)
            if refused.num_rows and errors is None:
                first = refused.to_pylist()[0]
                raise Failure(
                    f"{first['file']}: row {first['row']}, column {first['column']}: {first['error']}"
                )
            if errors is not None:
                errors.write(refused)
    return Summary(output, writer.rows, errors.rows if errors else 0)


class Scorer:
    """One model's checks and outputs over chunks of an input table."""

    def __init__(self, predictor: Predictor, job: Job) -> None:
        assert predictor.manifest is not None
        self.predictor = predictor
        self.manifest: ModelManifest = predictor.manifest
        self.columns = Columns(self.manifest, job.strict)
        self.keep = job.keep
        self.with_file = job.input.is_dir()
        # A CSV file is read as text, checked as the server checks JSON; Parquet's columns as stored.
        self.read_types = dict.fromkeys([*self.keep, *self.columns.names], pa.string())
        first, scores = self._output_fields()
        self._check_kept_names([field.name for field in [*first, *scores]])
        kept = self._kept_types(input_files(job.input)[0], job.batch_rows)
        self.schema = pa.schema([*first, *(pa.field(name, kind) for name, kind in kept.items()), *scores])

    def _kept_types(self, first: Path, rows: int) -> dict[str, pa.DataType]:
        """The --keep columns' types: as stored in Parquet; in a CSV file, text unless every value of
        the first block is a number written as that number prints (so "007" stays "007")."""
        if first.suffix.lower() != ".parquet":
            head = csv_head(first, self.keep, rows) if self.keep else None
            return {name: arrow.kept_type(head.column(name)) for name in self.keep} if head else {}
        stored = open_parquet(first).schema_arrow
        for name in self.keep:
            if name not in stored.names:
                raise Failure(f"{first}: --keep column {name!r} not found; the columns are {stored.names}")
        return {name: stored.field(name).type for name in self.keep}

    def _output_fields(self) -> tuple[list[pa.Field], list[pa.Field]]:
        """The output's own columns: those before the kept ones (file, row) and the scores after."""
        first = [pa.field("file", pa.string())] if self.with_file else []
        first.append(pa.field("row", pa.int64()))
        if not self.manifest.classes:
            return first, [pa.field("value", pa.float32())]
        scores = [pa.field("label", pa.string())]
        scores += [pa.field(f"probability_{label}", pa.float32()) for label in self.manifest.classes]
        return first, scores

    def _check_kept_names(self, outputs: list[str]) -> None:
        """Each --keep column once, and none named as a column the output has already."""
        for index, name in enumerate(self.keep):
            if name in outputs:
                raise Failure(
                    f"--keep {name}: the output has a column {name!r} of its own (its columns are"
                    f" {', '.join(outputs)}); rename that input column to keep it"
                )
            if name in self.keep[:index]:
                raise Failure(f"--keep {name}: given twice; name each column once")

    def score(self, chunk: Chunk) -> tuple[pa.RecordBatch, pa.RecordBatch]:
        """The predictions of the chunk's good rows, and one error row per refused row."""
        table, problems = chunk.table, arrow.Problems()
        numbers = arrow.numbers(table, self.columns, chunk.file, chunk.text, problems)
        strings = arrow.strings(table, self.columns, chunk.file, problems)
        checked, more = self.columns.check_numbers(numbers)
        problems = {**{p.row: p for p in more}, **problems}
        good = np.ones(table.num_rows, dtype=bool)
        good[list(problems)] = False
        feed = self.columns.feed(checked[good], strings[good])
        outputs = self.predictor.run(feed) if good.any() else {}
        return self._output(chunk, np.flatnonzero(good), outputs), self._refused(chunk, problems)

    def _output(self, chunk: Chunk, rows: np.ndarray, outputs: dict[str, np.ndarray]) -> pa.RecordBatch:
        arrays: list[Any] = [pa.array([chunk.file] * len(rows), pa.string())] if self.with_file else []
        arrays.append(pa.array(chunk.start + rows, pa.int64()))
        taken = pa.array(rows)
        arrays += [
            arrow.kept(chunk.table.column(name).take(taken), name, chunk.file, self.schema.field(name).type)
            for name in self.keep
        ]
        if self.manifest.classes:
            probabilities = outputs.get(
                PROBABILITIES_OUTPUT, np.empty((0, len(self.manifest.classes)), np.float32)
            )
            # The model's own label: a binary model's is thresholded at the manifest's decision_threshold.
            label = outputs.get(LABEL_OUTPUT, np.empty(0, np.int64))
            labels = np.asarray(self.manifest.classes, dtype=object)[label]
            arrays.append(pa.array(labels.tolist(), pa.string()))
            arrays += [pa.array(probabilities[:, i], pa.float32()) for i in range(probabilities.shape[1])]
        else:
            arrays.append(
                pa.array(outputs.get(VALUE_OUTPUT, np.empty((0, 1), np.float32)).ravel(), pa.float32())
            )
        return pa.RecordBatch.from_arrays(
            [array.cast(field.type) for array, field in zip(arrays, self.schema, strict=True)],
            schema=self.schema,
        )

    def _refused(self, chunk: Chunk, problems: arrow.Problems) -> pa.RecordBatch:
        rows = sorted(problems)
        return pa.RecordBatch.from_pydict(
            {
                "file": [chunk.file] * len(rows),
                "row": [chunk.start + row for row in rows],
                "column": [self.columns.names[problems[row].column] for row in rows],
                "error": [problems[row].reason for row in rows],
            },
            schema=ERRORS_SCHEMA,
        )
