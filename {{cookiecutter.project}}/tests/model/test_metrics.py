"""The held-out metrics: which class a probability makes, what a baseline scores and what skill asks."""

import numpy as np
import pytest

from {{ cookiecutter.package }}.model.metrics import (
    TASK_METRICS,
    baseline,
    decide,
    metric_problem,
    score,
    skill_limit,
)


def test_a_binary_label_is_the_positive_class_at_the_threshold() -> None:
    probabilities = np.array([[0.7, 0.3], [0.4, 0.6], [0.75, 0.25]])
    assert decide(probabilities, 0.3).tolist() == [1, 1, 0]
    assert decide(probabilities, None).tolist() == [0, 1, 0]


def test_a_multiclass_label_is_the_likeliest_class_whatever_the_threshold() -> None:
    probabilities = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    assert decide(probabilities, 0.1).tolist() == [2, 0]


@pytest.mark.parametrize(
    ("name", "base", "skill", "limit"), [("roc_auc", 0.5, 0.2, 0.6), ("mae", 10.0, 0.5, 5.0)]
)
def test_skill_is_a_share_of_the_way_from_the_baseline_to_perfect(
    name: str, base: float, skill: float, limit: float
) -> None:
    assert skill_limit(name, base, skill) == pytest.approx(limit)


def test_a_misspelt_metric_is_named_with_the_closest_one() -> None:
    assert metric_problem("accuracy") is None
    assert "did you mean accuracy?" in (metric_problem("acuracy") or "")
    assert metric_problem("rmse", "binary") == (
        f"'rmse' is not a metric of binary models; they have {', '.join(TASK_METRICS['binary'])}"
    )


def test_the_classification_baseline_predicts_the_training_majority() -> None:
    y_train, y_test = np.array([0, 0, 0, 1]), np.array([0, 1, 0, 1])
    scores = baseline("binary", y_train, y_test, classes=2)
    assert list(scores) == list(TASK_METRICS["binary"])
    assert scores["accuracy"] == 0.5
    assert scores["balanced_accuracy"] == 0.5
    assert scores["recall"] == 0.0


def test_the_regression_baseline_predicts_the_training_mean() -> None:
    scores = baseline("regression", np.array([1.0, 3.0]), np.array([2.0, 4.0]), classes=0)
    assert scores["mae"] == pytest.approx(1.0)
    assert scores["rmse"] == pytest.approx(np.sqrt(2.0))


def test_a_perfect_model_scores_perfectly_in_the_task_s_order() -> None:
    y = np.array([0, 1, 2, 1])
    probabilities = np.eye(3)[y]
    scores = score("multiclass", y, probabilities, None)
    assert list(scores) == list(TASK_METRICS["multiclass"])
    assert scores["accuracy"] == scores["f1"] == scores["roc_auc"] == 1.0
    assert scores["log_loss"] == pytest.approx(0.0, abs=1e-9)
