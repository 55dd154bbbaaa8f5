"""The held-out metrics of each task, the baseline they are measured against and which way is better."""

import difflib
from typing import Any

import numpy as np
import numpy.typing as npt

from ..manifest import DEFAULT_THRESHOLD, Task

# In the order train prints them and the model card lists them.
TASK_METRICS: dict[Task, tuple[str, ...]] = {
    "binary": (
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "average_precision",
        "log_loss",
    ),
    "multiclass": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    "regression": ("r2", "rmse", "mae"),
}
ALL_METRICS = tuple(dict.fromkeys(name for names in TASK_METRICS.values() for name in names))
LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae"})
# The gate when model.toml names no [gate] beat_baseline: each metric must go this share of the way from
# the baseline to a perfect score. Balanced accuracy, unlike accuracy, sees through a majority-class model.
DEFAULT_SKILL: dict[Task, dict[str, float]] = {
    "binary": {"balanced_accuracy": 0.1, "roc_auc": 0.1},
    "multiclass": {"balanced_accuracy": 0.1, "roc_auc": 0.1},
    "regression": {"r2": 0.1, "mae": 0.1},
}

FloatArray = npt.NDArray[np.floating[Any]]


def metric_problem(name: str, task: Task | None = None) -> str | None:
    """Why `name` is not a metric (of `task`, when given), with the closest one; None when it is."""
    known = TASK_METRICS[task] if task else ALL_METRICS
    if name in known:
        return None
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    kind = f"{task} models" if task else "any model"
    return f"{name!r} is not a metric of {kind}; {hint}they have {', '.join(known)}"


def decide(probabilities: FloatArray, threshold: float | None) -> npt.NDArray[np.int64]:
    """Class indices: for a binary classifier 1 where P(classes[1]) >= threshold, else the likeliest."""
    if threshold is not None and probabilities.shape[1] == 2:
        return (probabilities[:, 1] >= threshold).astype(np.int64)
    return np.asarray(probabilities.argmax(axis=1), dtype=np.int64)


def score(task: Task, y: npt.NDArray[Any], output: FloatArray, threshold: float | None) -> dict[str, float]:
    """The task's metrics of one model's output: probabilities for classifiers, values for regressors."""
    if task == "regression":
        return regression_scores(y, output)
    return classification_scores(y, output, decide(output, threshold), binary=task == "binary")


def baseline(
    task: Task, y_train: npt.NDArray[Any], y_test: npt.NDArray[Any], classes: int
) -> dict[str, float]:
    """The metrics of a model that learnt nothing: the training mean, or the majority class predicted with
    the training class shares as probabilities."""
    if task == "regression":
        return regression_scores(y_test, np.full(len(y_test), float(np.mean(y_train))))
    shares = np.bincount(y_train, minlength=classes) / len(y_train)
    probabilities = np.tile(shares, (len(y_test), 1))
    majority = np.full(len(y_test), int(np.argmax(shares)), dtype=np.int64)
    return classification_scores(y_test, probabilities, majority, binary=task == "binary")


def regression_scores(y: npt.NDArray[Any], predicted: FloatArray) -> dict[str, float]:
    from sklearn import metrics

    return {
        "r2": float(metrics.r2_score(y, predicted)),
        "rmse": float(metrics.root_mean_squared_error(y, predicted)),
        "mae": float(metrics.mean_absolute_error(y, predicted)),
    }


def classification_scores(
    y: npt.NDArray[Any], probabilities: FloatArray, labels: npt.NDArray[np.int64], binary: bool
) -> dict[str, float]:
    from sklearn import metrics

    indices = list(range(probabilities.shape[1]))
    # Binary: of the positive class (classes[1]); multiclass: the unweighted mean over the classes.
    average: dict[str, Any] = {"average": "binary"} if binary else {"average": "macro", "labels": indices}
    scores = {
        "accuracy": metrics.accuracy_score(y, labels),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, labels),
        "precision": metrics.precision_score(y, labels, zero_division=0, **average),
        "recall": metrics.recall_score(y, labels, zero_division=0, **average),
        "f1": metrics.f1_score(y, labels, zero_division=0, **average),
        "roc_auc": metrics.roc_auc_score(
            y, probabilities[:, 1] if binary else probabilities, multi_class="ovr", labels=indices
        ),
        "log_loss": metrics.log_loss(y, probabilities, labels=indices),
    }
    if binary:
        scores["average_precision"] = metrics.average_precision_score(y, probabilities[:, 1])
    order = TASK_METRICS["binary" if binary else "multiclass"]
    return {name: float(scores[name]) for name in order}


def skill_limit(name: str, base: float, skill: float) -> float:
    """The value that goes `skill` of the way from the baseline to a perfect score (0 or 1)."""
    perfect = 0.0 if name in LOWER_IS_BETTER else 1.0
    return base + skill * (perfect - base)


def meanings(task: Task, classes: list[str] | None, threshold: float | None) -> dict[str, str]:
    """What each metric of the task measures, its averaging spelled out."""
    if task == "regression":
        return {
            "r2": "share of the target's variance explained (1 is perfect, 0 the mean)",
            "rmse": "root mean squared error, in the target's unit",
            "mae": "mean absolute error, in the target's unit",
        }
    positive = classes[1] if classes else "1"
    if task == "binary":
        per_class = f"of the positive class {positive!r}, labelled at P >= {threshold or DEFAULT_THRESHOLD:g}"
        ranking = f"ranking by P({positive!r}), whatever the threshold"
    else:
        per_class, ranking = (
            "macro average: the unweighted mean over the classes",
            "one-vs-rest, macro average",
        )
    notes = {
        "accuracy": "share of rows labelled right",
        "balanced_accuracy": "mean recall of the classes (0.5 for two classes guessed blindly)",
        "precision": per_class,
        "recall": per_class,
        "f1": f"harmonic mean of precision and recall, {per_class}",
        "roc_auc": ranking,
        "average_precision": f"area under the precision-recall curve, {ranking}",
        "log_loss": "cross-entropy of the probabilities (lower is better)",
    }
    return {name: notes[name] for name in TASK_METRICS[task]}
