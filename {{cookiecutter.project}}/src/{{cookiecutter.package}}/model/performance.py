"""The model card's account of how well the model does: the split, the metrics against the baseline and
each class's precision and recall, in plain numbers."""

import numpy as np

from ..manifest import ModelManifest
from .checks import plain
from .metrics import meanings


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def split_section(manifest: ModelManifest) -> str:
    evaluation = manifest.evaluation
    if evaluation is None:
        return ""
    lines = [
        "## Data split",
        "",
        "One seeded split; the held-out rows give every metric below (there is no separate validation "
        "split: the hyperparameters come from model.toml, not from a search).",
        "",
    ]
    classes = manifest.classes or []
    header = "| split | rows |" + "".join(f" `{name}` |" for name in classes)
    lines += [header, "|---|---|" + "---|" * len(classes)]
    for label, counts in (("train", evaluation.train), ("held out", evaluation.test)):
        shares = "".join(f" {count} ({percent(count, counts.rows)}) |" for count in counts.classes)
        lines.append(f"| {label} | {counts.rows} |{shares}")
    return "\n".join(lines)


def metrics_section(manifest: ModelManifest) -> str:
    notes = meanings(manifest.task, manifest.classes, manifest.decision_threshold)
    lines = [
        "## Metrics",
        "",
        "On the held-out rows. The baseline learnt nothing: it predicts "
        + (
            "the training mean."
            if manifest.task == "regression"
            else "the majority class, with the training class shares as probabilities."
        ),
        "",
        "| metric | model | baseline | what it measures |",
        "|---|---|---|---|",
    ]
    for name, value in manifest.metrics.items():
        base = manifest.baseline.get(name)
        shown = "-" if base is None else plain(base)
        lines.append(f"| {name} | {plain(value)} | {shown} | {notes.get(name, '')} |")
    return "\n".join(lines)


def classes_section(manifest: ModelManifest) -> str:
    """Each class's precision and recall, and the confusion matrix they come from."""
    evaluation, classes = manifest.evaluation, manifest.classes
    if evaluation is None or not classes or not evaluation.confusion:
        return ""
    confusion = np.asarray(evaluation.confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    lines = ["## Per class", "", "On the held-out rows; a row of the matrix is the true class.", ""]
    lines += ["| class | precision | recall | rows |" + "".join(f" predicted `{c}` |" for c in classes)]
    lines.append("|---|---|---|---|" + "---|" * len(classes))
    for index, name in enumerate(classes):
        hits = int(confusion[index, index])
        precision = plain(hits / predicted[index]) if predicted[index] else "-"
        recall = plain(hits / actual[index]) if actual[index] else "-"
        cells = "".join(f" {int(count)} |" for count in confusion[index])
        lines.append(f"| `{name}` | {precision} | {recall} | {int(actual[index])} |{cells}")
    return "\n".join(lines)
