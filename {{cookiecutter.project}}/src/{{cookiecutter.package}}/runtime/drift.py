"""Per-feature drift: the population stability index of recent inputs against the training split.

Numbers are binned by the training deciles; categories by category, with one more bin for categories
training never saw. Either kind has a bin for missing values, whose expected share is training's.
"""

from collections.abc import Sequence

import numpy as np

from ..manifest import CATEGORICAL_INPUT, ONNX_INPUT, CategoricalFeature, Feature

# Keeps log(0) out of the index when a bin is empty on one side.
_FLOOR = 1e-4


class DriftWindow:
    """Bounded ring buffers of the latest inputs (numbers, category codes); PSI is computed on demand."""

    def __init__(
        self, features: Sequence[Feature], size: int, categorical: Sequence[CategoricalFeature] = ()
    ) -> None:
        self._numbers = np.zeros((size, len(features)), dtype=np.float32)
        self._codes = np.zeros((size, len(categorical)), dtype=np.int32)
        self._next = 0
        self._count = 0
        self._bins = [_bins(feature) for feature in features]
        self._codebooks = [
            {category: index for index, category in enumerate(feature.categories)} for feature in categorical
        ]
        # Expected shares per category code: the known categories, unseen ones (none), missing ones.
        self._expected = [np.array([*f.shares, 0.0, f.missing]) for f in categorical]

    @property
    def count(self) -> int:
        """Rows held now, at most the window size."""
        return self._count

    def add(self, feed: dict[str, np.ndarray]) -> list[int]:
        """Record a request's checked input tensors (see runtime/columns.py); return how many values of
        each categorical feature training never saw."""
        numbers = feed.get(ONNX_INPUT)
        strings = feed.get(CATEGORICAL_INPUT)
        rows = len(next(iter(feed.values())))
        size = len(self._numbers)
        unseen = [0] * len(self._codebooks)
        if numbers is not None:
            _write(self._numbers, numbers[-size:], self._next)
        if strings is not None:
            codes, unseen = self._encode(strings)
            _write(self._codes, codes[-size:], self._next)
        self._next = (self._next + min(rows, size)) % size
        self._count = min(size, self._count + rows)
        return unseen

    def psi(self) -> list[float]:
        """PSI per feature, numbers then categories in manifest order; 0 looks like the training data."""
        numbers, codes = self._numbers[: self._count], self._codes[: self._count]
        numeric = [_psi_numbers(numbers[:, index], *bins) for index, bins in enumerate(self._bins)]
        categorical = [
            _psi_counts(np.bincount(codes[:, index], minlength=len(expected)), expected)
            for index, expected in enumerate(self._expected)
        ]
        return numeric + categorical

    def _encode(self, strings: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """Category codes (known ones, then unseen, then missing), and the unseen values per column."""
        codes = np.empty(strings.shape, dtype=np.int32)
        unseen_counts = []
        for column, codebook in enumerate(self._codebooks):
            unseen, missing = len(codebook), len(codebook) + 1
            column_codes = [
                missing if value == "" else codebook.get(value, unseen) for value in strings[:, column]
            ]
            codes[:, column] = column_codes
            unseen_counts.append(column_codes.count(unseen))
        return codes, unseen_counts


def _write(ring: np.ndarray, rows: np.ndarray, start: int) -> None:
    """Write rows into a ring buffer at `start`, wrapping around its end."""
    size = len(ring)
    end = start + len(rows)
    if end <= size:
        ring[start:end] = rows
    else:
        ring[start:] = rows[: size - start]
        ring[: end - size] = rows[size - start :]


def _bins(feature: Feature) -> tuple[np.ndarray, np.ndarray]:
    """Inner bin edges and the expected share of each bin (then of the missing bin), merging tied deciles."""
    edges = np.asarray(feature.summary.quantiles, dtype=np.float64)
    inner = np.unique(edges[1:-1])
    # Each decile holds a tenth of the present training values; put it in the bin its midpoint falls in.
    midpoints = np.where(edges[:-1] == edges[1:], edges[:-1], (edges[:-1] + edges[1:]) / 2)
    decile_bins = np.searchsorted(inner, midpoints, side="right")
    present = np.bincount(decile_bins, minlength=len(inner) + 1) / len(midpoints)
    missing = feature.summary.missing
    return inner, np.append(present * (1 - missing), missing)


def _psi_numbers(values: np.ndarray, inner: np.ndarray, expected: np.ndarray) -> float:
    # NaN sorts after every edge, so it would land in the last bin: give it the missing bin instead.
    bins = np.where(np.isnan(values), len(expected) - 1, np.searchsorted(inner, values, side="right"))
    return _psi_counts(np.bincount(bins, minlength=len(expected)), expected)


def _psi_counts(counts: np.ndarray, expected: np.ndarray) -> float:
    total = counts.sum()
    if total == 0:
        return 0.0
    actual = np.maximum(counts / total, _FLOOR)
    reference = np.maximum(expected, _FLOOR)
    return float(np.sum((actual - reference) * np.log(actual / reference)))
