"""A dataset as training reads it, wherever it came from: a bundled starter (bundled.py) or a file
source (data.py). Its own module, so that both readers build one without importing each other."""

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..manifest import Task
from .feature_types import Features


@dataclass(frozen=True)
class Dataset:
    features: Features
    # Classification targets are class indices 0..k-1 into `classes`; regression targets are floats.
    target: pd.Series
    target_name: str
    task: Task
    classes: list[str] | None
    source: str
    # One line each about columns that trained as asked but are probably a mistake.
    warnings: tuple[str, ...] = ()
    # What was read from a file source: its files with their sizes, ETags and versions, and the rows.
    listing: dict[str, Any] | None = None
