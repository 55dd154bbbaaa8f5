"""Per-feature drift: the population stability index of recent inputs against training deciles."""

import numpy as np

from ...manifest import Feature

# Keeps log(0) out of the index when a bin is empty on one side.
_FLOOR = 1e-4


class DriftWindow:
    """A bounded ring buffer of the latest input rows; PSI is computed from it on demand."""

    def __init__(self, features: list[Feature], size: int) -> None:
        self._rows = np.zeros((size, len(features)), dtype=np.float32)
        self._next = 0
        self._count = 0
        self._bins = [_bins(feature.summary.quantiles) for feature in features]

    @property
    def count(self) -> int:
        """Rows held now, at most the window size."""
        return self._count

    def add(self, rows: np.ndarray) -> None:
        size = len(self._rows)
        rows = rows[-size:]
        start, end = self._next, self._next + len(rows)
        if end <= size:
            self._rows[start:end] = rows
        else:
            self._rows[start:] = rows[: size - start]
            self._rows[: end - size] = rows[size - start :]
        self._next = end % size
        self._count = min(size, self._count + len(rows))

    def psi(self) -> list[float]:
        """PSI per feature in manifest order; 0 means the window looks like the training data."""
        window = self._rows[: self._count]
        return [_psi(window[:, column], *self._bins[column]) for column in range(window.shape[1])]


def _bins(quantiles: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Inner bin edges and the training share of each bin, merging bins that tied values collapse."""
    edges = np.asarray(quantiles, dtype=np.float64)
    inner = np.unique(edges[1:-1])
    # Each decile holds a tenth of the training rows; put it in the bin its midpoint falls in.
    midpoints = np.where(edges[:-1] == edges[1:], edges[:-1], (edges[:-1] + edges[1:]) / 2)
    decile_bins = np.searchsorted(inner, midpoints, side="right")
    expected = np.bincount(decile_bins, minlength=len(inner) + 1) / len(midpoints)
    return inner, expected


def _psi(values: np.ndarray, inner: np.ndarray, expected: np.ndarray) -> float:
    if len(values) == 0:
        return 0.0
    counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=len(expected))
    actual = np.maximum(counts / len(values), _FLOOR)
    reference = np.maximum(expected, _FLOOR)
    return float(np.sum((actual - reference) * np.log(actual / reference)))
