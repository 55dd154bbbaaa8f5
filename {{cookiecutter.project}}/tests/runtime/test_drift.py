"""The drift statistic: near zero for training-like inputs, large for shifted ones, over a bounded window."""

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import CategoricalFeature, Feature, FeatureSummary
from {{ cookiecutter.package }}.runtime.drift import DriftWindow


def feature_from(values: np.ndarray, name: str = "x") -> Feature:
    summary = FeatureSummary(
        mean=float(values.mean()),
        std=float(values.std()),
        min=float(values.min()),
        max=float(values.max()),
        quantiles=np.quantile(values, np.linspace(0, 1, 11)).tolist(),
    )
    return Feature(name=name, dtype="float", summary=summary)


def test_inputs_like_the_training_data_score_near_zero() -> None:
    generator = np.random.default_rng(0)
    window = DriftWindow([feature_from(generator.normal(size=5000))], size=2000)
    window.add({"input": generator.normal(size=(2000, 1)).astype(np.float32)})
    assert window.psi()[0] < 0.05


def test_shifted_inputs_score_above_the_alert_threshold() -> None:
    generator = np.random.default_rng(0)
    window = DriftWindow([feature_from(generator.normal(size=5000))], size=2000)
    window.add({"input": generator.normal(loc=1.0, size=(2000, 1)).astype(np.float32)})
    assert window.psi()[0] > 0.25


def test_window_keeps_only_the_latest_rows() -> None:
    generator = np.random.default_rng(0)
    window = DriftWindow([feature_from(generator.normal(size=5000))], size=100)
    window.add({"input": generator.normal(loc=5.0, size=(300, 1)).astype(np.float32)})
    for _ in range(70):
        window.add({"input": generator.normal(size=(3, 1)).astype(np.float32)})
    assert window.count == 100
    assert window.psi()[0] < 0.5


def test_tied_deciles_of_a_discrete_feature_do_not_read_as_drift() -> None:
    training = np.repeat([0.0, 1.0, 2.0], [553, 300, 147])
    window = DriftWindow([feature_from(training)], size=1000)
    window.add({"input": training.reshape(-1, 1).astype(np.float32)})
    assert window.psi()[0] < 0.05


def test_empty_window_scores_zero() -> None:
    window = DriftWindow([feature_from(np.arange(100.0))], size=10)
    assert window.psi() == [0.0]


def test_missing_numbers_beyond_the_training_share_read_as_drift() -> None:
    generator = np.random.default_rng(0)
    window = DriftWindow([feature_from(generator.normal(size=5000))], size=1000)
    values = generator.normal(size=(1000, 1)).astype(np.float32)
    window.add({"input": values})
    calm = window.psi()[0]
    values[:400] = np.nan
    window.add({"input": values})
    assert calm < 0.05 < 0.25 < window.psi()[0]


COLOUR = CategoricalFeature(name="colour", categories=["blue", "red"], shares=[0.5, 0.4], missing=0.1)


def colours(blue: int, red: int, missing: int, unseen: int = 0) -> dict[str, np.ndarray]:
    values = ["blue"] * blue + ["red"] * red + [""] * missing + ["green"] * unseen
    return {"categorical": np.array(values, dtype=object).reshape(-1, 1)}


def test_categories_in_their_training_shares_score_near_zero() -> None:
    window = DriftWindow([], size=1000, categorical=[COLOUR])
    window.add(colours(500, 400, 100))
    assert window.psi() == [pytest.approx(0, abs=1e-6)]


@pytest.mark.parametrize(
    "counts", [(900, 50, 50, 0), (450, 350, 0, 200)], ids=["shifted-shares", "unseen-categories"]
)
def test_changed_or_unseen_categories_score_above_the_alert_threshold(counts: tuple[int, ...]) -> None:
    window = DriftWindow([], size=1000, categorical=[COLOUR])
    window.add(colours(*counts))
    assert window.psi()[0] > 0.25
