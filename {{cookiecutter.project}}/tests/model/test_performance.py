"""The model card's performance sections: the split's rows, the metrics beside the baseline, each class."""

from {{ cookiecutter.package }}.manifest import Evaluation, ModelManifest, SplitCounts
from {{ cookiecutter.package }}.model.performance import (
    classes_section,
    metrics_section,
    percent,
    split_section,
)


def classifier(manifest: ModelManifest) -> ModelManifest:
    """Two classes, 10 rows held out: 4 of `no` (3 found), 6 of `yes` (5 found)."""
    evaluation = Evaluation(
        train=SplitCounts(rows=30, classes=[12, 18]),
        test=SplitCounts(rows=10, classes=[4, 6]),
        confusion=[[3, 1], [1, 5]],
    )
    return manifest.model_copy(update={"task": "binary", "classes": ["no", "yes"], "evaluation": evaluation})


def test_a_share_is_a_percentage_or_a_dash_of_nothing() -> None:
    assert percent(1, 8) == "12.5%"
    assert percent(0, 0) == "-"


def test_the_split_counts_each_class_with_its_share(manifest: ModelManifest) -> None:
    lines = split_section(classifier(manifest)).splitlines()
    assert "| split | rows | `no` | `yes` |" in lines
    assert "| train | 30 | 12 (40.0%) | 18 (60.0%) |" in lines
    assert "| held out | 10 | 4 (40.0%) | 6 (60.0%) |" in lines


def test_each_class_has_its_precision_recall_and_row_of_the_matrix(manifest: ModelManifest) -> None:
    lines = classes_section(classifier(manifest)).splitlines()
    assert "| `no` | 0.75 | 0.75 | 4 | 3 | 1 |" in lines
    assert "| `yes` | 0.8333 | 0.8333 | 6 | 1 | 5 |" in lines


def test_a_regressor_has_no_classes_and_its_baseline_is_the_mean(manifest: ModelManifest) -> None:
    regressor = manifest.model_copy(
        update={"task": "regression", "classes": None, "metrics": {"r2": 0.5}, "baseline": {"r2": 0.0}}
    )
    assert classes_section(regressor) == ""
    section = metrics_section(regressor)
    assert "it predicts the training mean." in section
    assert "| r2 | 0.5 | 0 | share of the target's variance explained" in section


def test_a_manifest_without_an_evaluation_has_no_split(manifest: ModelManifest) -> None:
    assert split_section(manifest.model_copy(update={"evaluation": None})) == ""
