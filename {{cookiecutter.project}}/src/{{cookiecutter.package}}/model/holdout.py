"""The held-out rows that train leaves for export's parity check and the gate's latency check."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import Failure
from ..manifest import CATEGORICAL_INPUT, HOLDOUT_FILE, ONNX_INPUT


@dataclass(frozen=True)
class Holdout:
    """Numbers as float32 (NaN = missing), categories as fixed-width strings ("" = missing), targets."""

    numbers: npt.NDArray[np.float32]
    strings: npt.NDArray[np.str_]
    y: npt.NDArray[Any]

    def feeds(self, rows: slice = slice(None)) -> dict[str, npt.NDArray[Any]]:
        """ONNX inputs for these rows: only the tensors the model has features for."""
        feeds: dict[str, npt.NDArray[Any]] = {}
        if self.numbers.shape[1]:
            feeds[ONNX_INPUT] = self.numbers[rows]
        if self.strings.shape[1]:
            feeds[CATEGORICAL_INPUT] = self.strings[rows]
        return feeds


def write_holdout(artifacts: Path, holdout: Holdout) -> None:
    # Fixed-width strings, not objects, so the file loads without pickle.
    np.savez(artifacts / HOLDOUT_FILE, x=holdout.numbers, categorical=holdout.strings, y=holdout.y)


def read_holdout(artifacts: Path) -> Holdout:
    try:
        with np.load(artifacts / HOLDOUT_FILE) as data:
            numbers = np.asarray(data["x"], dtype=np.float32)
            strings = np.asarray(data["categorical"], dtype=str)
            return Holdout(numbers, strings, np.asarray(data["y"]))
    except FileNotFoundError:
        raise Failure(f"{artifacts / HOLDOUT_FILE}: not found; run train first") from None
    except KeyError as error:
        raise Failure(f"{artifacts / HOLDOUT_FILE}: no {error} array; train again") from None
