"""The model manifest (what training, export and serving agree a model is, its tensors included), the
gate report (gate.json) and every artifact's file name."""

import hashlib
import json
import math
import numbers
import re
from datetime import datetime
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    computed_field,
    field_validator,
    model_validator,
)

from .errors import Failure

# The files of an artifacts directory: train writes the first four (and, for a file source, what it
# read), export the ONNX model, validate the gate report and card the model card. The image ships only
# the ONNX model and the manifest.
MANIFEST_FILE = "manifest.json"
PIPELINE_FILE = "model.joblib"
HOLDOUT_FILE = "holdout.npz"
METRICS_FILE = "metrics.json"
ONNX_FILE = "model.onnx"
GATE_FILE = "gate.json"
CARD_FILE = "MODEL_CARD.md"
DATA_FILE = "data.json"
# The A/B experiment's verdict, when one ran: `experiment verdict --record` writes it, card reads it.
EXPERIMENT_FILE = "experiment.json"
# The model's input tensors: numeric features as [rows, numeric] float32 (NaN for a missing value),
# categorical ones as [rows, categorical] strings ("" for a missing value). A model has only the
# tensors it has features for.
ONNX_INPUT = "input"
CATEGORICAL_INPUT = "categorical"
# The model's output tensors: export names them so, and serving, batch scoring and the gate read them
# by these names. A classifier gives class indices (int64, thresholded for a binary one) and the
# probability of each class; a regressor a [rows, 1] float32 of values.
LABEL_OUTPUT = "label"
PROBABILITIES_OUTPUT = "probabilities"
VALUE_OUTPUT = "variable"
# A missing category, in the pipeline and in the tensor alike: skl2onnx converts string imputation only
# when the missing marker is itself a string (and onnxruntime would read None as "None").
MISSING_CATEGORY = ""
# pandas' spellings of a missing value in a text file (its STR_NA_VALUES). Training reads CSV with
# pandas, so in a column of numbers (or of number or boolean codes) these are missing, and serving reads
# them so too. In a column of text only null and "" are missing, from any source: "NA" is a category.
MISSING_SPELLINGS = frozenset(
    {
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
        "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    }
)  # fmt: skip
# The decision threshold of a binary classifier when model.toml sets none: argmax of two classes.
DEFAULT_THRESHOLD = 0.5

Task = Literal["binary", "multiclass", "regression"]
TASK_OUTPUTS: dict[Task, list[str]] = {
    "binary": [LABEL_OUTPUT, PROBABILITIES_OUTPUT],
    "multiclass": [LABEL_OUTPUT, PROBABILITIES_OUTPUT],
    "regression": [VALUE_OUTPUT],
}
JsonScalar = str | int | float | bool | None
CategoryType = Literal["string", "integer", "float", "boolean"]
NumberType = Literal["float", "integer", "boolean"]


def category_text(value: object) -> str:
    """A category as training encodes it, and serving must too: whole numbers without ".0" (2, 2.0 ->
    "2"), other numbers and booleans as str() ("2.5", "True"), "" for None or NaN. A float32 or float16
    is spelt by its own shortest digits (float32 0.1 is "0.1", not "0.10000000149011612")."""
    if isinstance(value, np.floating) and value.itemsize < 8:
        value = float(str(value))
    if value is None or isinstance(value, str | bool):
        return MISSING_CATEGORY if value is None else str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return MISSING_CATEGORY
        return str(int(number)) if number.is_integer() else str(number)
    return str(value)


class FeatureSummary(BaseModel):
    """Training-data reference for one feature; serving compares live inputs against it."""

    mean: float
    std: float
    min: float
    max: float
    # Decile edges (11 values) of the training distribution, the bins of the drift statistic.
    quantiles: list[float]
    missing: float = Field(0.0, description="Share of training rows without a value")


class Feature(BaseModel):
    name: str
    dtype: NumberType
    summary: FeatureSummary


class CategoricalFeature(BaseModel):
    """A feature whose values are strings: the categories training saw and how often."""

    name: str
    categories: list[str] = Field(description="Known categories, in the one-hot encoder's order")
    shares: list[float] = Field(description="Training share of each category, in the same order")
    missing: float = Field(0.0, description="Share of training rows without a value")
    dtype: CategoryType = Field(
        "string", description="What the column held before category_text made each value a string"
    )


class SplitCounts(BaseModel):
    rows: int
    classes: list[int] = Field(default_factory=list, description="Rows per class, in `classes` order")


class Evaluation(BaseModel):
    """The split and how the model did on the held-out rows, for the model card."""

    train: SplitCounts
    test: SplitCounts
    # Held-out rows by true class (row) and predicted class (column), in `classes` order.
    confusion: list[list[int]] = Field(default_factory=list)


class Tracking(BaseModel):
    """Where the training run is recorded (MLflow); the tracking URI is left out, it may hold credentials."""

    run_id: str
    experiment: str


class Parity(BaseModel):
    """How closely ONNX reproduced scikit-learn on the held-out rows."""

    rows: int
    tolerance: float
    max_abs_diff: float
    label_mismatches: int = 0


class OnnxModel(BaseModel):
    file: str = ONNX_FILE
    inputs: list[str] = Field([ONNX_INPUT], description="ONNX input names, in the order export declared them")
    sha256: str
    opset: int
    parity: Parity
    outputs: list[str] = Field(description="ONNX output names: label and probabilities, or variable")


class InputTensor(NamedTuple):
    """One input tensor of the model: its name, its type as onnxruntime reports it, its columns in order."""

    name: str
    onnx_type: str
    columns: list[str]


class Shadow(BaseModel):
    """model.toml [shadow]: how closely this model must agree with the stable one on the production
    requests the canary is sent, before any weight moves to it (serving/shadow.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_agreement: float = Field(0.9, ge=0, le=1, strict=True, allow_inf_nan=False)
    # Regressors: two values agree within this, relative to the larger of them (at least 1).
    tolerance: float = Field(0.1, ge=0, strict=True, allow_inf_nan=False)


ExperimentMetric = Literal["accuracy", "mae", "business"]
# The metric each task is compared on when model.toml names none; a business outcome fits any task.
TASK_METRICS: dict[Task, tuple[ExperimentMetric, ...]] = {
    "binary": ("accuracy", "business"),
    "multiclass": ("accuracy", "business"),
    "regression": ("mae", "business"),
}
_DURATION = re.compile(r"(?:([0-9]{1,6})d)?(?:([0-9]{1,6})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,8})s)?")


def duration_seconds(text: str) -> int | None:
    """Seconds in a duration such as `7d`, `90m` or `1h30m` (units d, h, m, s, in that order); None when
    `text` is no such duration."""
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    days, hours, minutes, secs = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


class Experiment(BaseModel):
    """model.toml [experiment]: the A/B stage's test of this model (the challenger) against the stable one
    (experiment/; docs/experiments.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # None: the task's first metric (accuracy, or mae for a regressor); training fills it in.
    metric: ExperimentMetric | None = None
    # Absolute, in the metric's unit: the smallest difference worth detecting.
    minimum_detectable_effect: float = Field(0.02, gt=0, strict=True, allow_inf_nan=False)
    alpha: float = Field(0.05, gt=0, le=0.5, strict=True, allow_inf_nan=False)
    # The plug-in variance needs a few dozen outcomes before its normal approximation means anything.
    minimum_samples_per_arm: int = Field(200, ge=30, strict=True)
    max_duration: str = "7d"
    max_samples_per_arm: int = Field(100_000, ge=30, strict=True)
    on_horizon: Literal["abort", "promote"] = "abort"
    srm_alpha: float = Field(0.001, gt=0, le=0.5, strict=True, allow_inf_nan=False)
    split: int = Field(50, ge=1, le=99, strict=True)

    @field_validator("max_duration")
    @classmethod
    def a_duration(cls, text: str) -> str:
        if not duration_seconds(text):
            raise ValueError("a duration above zero such as 7d, 12h or 1h30m (units d, h, m, s)")
        return text

    @model_validator(mode="after")
    def samples_in_order(self) -> Self:
        if self.max_samples_per_arm < self.minimum_samples_per_arm:
            raise ValueError("max_samples_per_arm is below minimum_samples_per_arm")
        return self

    @property
    def horizon_s(self) -> int:
        return duration_seconds(self.max_duration) or 0

    def for_task(self, task: Task) -> "Experiment":
        """The metric decided for a model of `task`; a ValueError when the one named does not fit it."""
        if self.metric is None:
            return self.model_copy(update={"metric": TASK_METRICS[task][0]})
        if self.metric not in TASK_METRICS[task]:
            fits = " or ".join(TASK_METRICS[task])
            raise ValueError(f"metric {self.metric!r} does not fit a {task} model; use {fits}")
        return self


class ModelManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    # Unique per training run: <created_at:%Y%m%d%H%M%S>-<first 8 hex digits of the data fingerprint>.
    version: str
    task: Task
    estimator: str
    target: str
    # The numeric features (columns of the `input` tensor), then the categorical ones (columns of the
    # `categorical` tensor), each in tensor column order.
    features: list[Feature]
    categorical: list[CategoricalFeature] = Field(default_factory=list)
    classes: list[str] | None = Field(None, description="Class labels in probability-column order")
    metrics: dict[str, float]
    baseline: dict[str, float] = Field(
        default_factory=dict, description="The same metrics of the majority class (or the mean)"
    )
    # Binary classifiers: the label is classes[1] when its probability is at least the threshold; the
    # exported ONNX graph's label output applies it.
    decision_threshold: float | None = None
    evaluation: Evaluation | None = None
    # A manifest written before [shadow] existed gets the defaults.
    shadow: Shadow = Field(default_factory=Shadow)
    # A manifest written before [experiment] existed gets the defaults (its metric: the task's).
    experiment: Experiment = Field(default_factory=Experiment)
    data_source: str
    data_fingerprint: str = Field(description="sha256 of the training data in canonical form")
    library_versions: dict[str, str]
    created_at: datetime
    estimator_class: str = Field(
        "", description="The scikit-learn class, e.g. HistGradientBoostingClassifier"
    )
    params: dict[str, JsonScalar] = Field(default_factory=dict, description="Its hyperparameters, as fitted")
    onnx: OnnxModel | None = Field(None, description="Filled in by export")
    tracking: Tracking | None = Field(None, description="Filled in by track")
    # Written by write_manifest over every other field, onnx.sha256 included, so neither the model
    # file nor the manifest (swapped class names, say) can be edited alone.
    digest: str | None = Field(None, description="sha256 of the manifest without this field")

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]

    @property
    def input_tensors(self) -> list[InputTensor]:
        """The tensors this model's features make, in the graph's order; only those it has features for."""
        tensors = [
            InputTensor(ONNX_INPUT, "tensor(float)", self.feature_names),
            InputTensor(CATEGORICAL_INPUT, "tensor(string)", [feature.name for feature in self.categorical]),
        ]
        return [tensor for tensor in tensors if tensor.columns]

    @property
    def output_names(self) -> list[str]:
        """The outputs a model of this task gives, in the graph's order."""
        return TASK_OUTPUTS[self.task]


class CheckKind(StrEnum):
    """What a check of the gate tests: its stable identifier in gate.json, which readers look checks up by."""

    VS_BASELINE = "vs_baseline"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    ONNX_EXPORTED = "onnx_exported"
    ONNX_FILE = "onnx_file"
    ONNX_PARITY = "onnx_parity"
    ONNX_SHA256 = "onnx_sha256"
    MANIFEST_DIGEST = "manifest_digest"
    LATENCY_P99_MS = "latency_p99_ms"
    # A champion that does not compare (none registered, another task or target): passes, says why.
    CHAMPION = "champion"
    CHAMPION_METRICS = "champion_metrics"
    VS_CHAMPION = "vs_champion"


# Each kind's label for people; {metric} is the check's metric.
CHECK_LABELS: dict[CheckKind, str] = {
    CheckKind.VS_BASELINE: "{metric} vs baseline",
    CheckKind.MINIMUM: "{metric} minimum",
    CheckKind.MAXIMUM: "{metric} maximum",
    CheckKind.ONNX_EXPORTED: "onnx exported",
    CheckKind.ONNX_FILE: "onnx file present",
    CheckKind.ONNX_PARITY: "onnx parity",
    CheckKind.ONNX_SHA256: "onnx sha256",
    CheckKind.MANIFEST_DIGEST: "manifest digest",
    CheckKind.LATENCY_P99_MS: "latency p99 ms",
    CheckKind.CHAMPION: "champion",
    CheckKind.CHAMPION_METRICS: "champion metrics",
    CheckKind.VS_CHAMPION: "{metric} vs champion",
}


class GateCheck(BaseModel):
    """One check of the validation gate: what it tested, the value it measured, the bar, the verdict."""

    model_config = ConfigDict(frozen=True)

    kind: CheckKind
    metric: str | None = Field(None, description="The metric a check of one metric is about")
    value: float | None
    threshold: str = Field(description="The bar the value had to clear, for people")
    passed: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        """The check's label for people (gate.json keeps it for readers of the file)."""
        return CHECK_LABELS[self.kind].format(metric=self.metric)


class GateReport(BaseModel):
    """gate.json: the validation gate's verdict and its checks, in the order they ran."""

    passed: bool
    checks: list[GateCheck]

    def find(self, kind: CheckKind, metric: str | None = None) -> GateCheck | None:
        """The first check of this kind (and metric), if the gate ran it."""
        return next((check for check in self.checks if (check.kind, check.metric) == (kind, metric)), None)


def project_name() -> str:
    """The installed distribution that owns this package: the project's name, which names its model."""
    package = (__package__ or "").split(".")[0]
    try:
        # The package is the project name with "-" as "_", which distribution lookups treat as equal.
        return str(metadata.metadata(package)["Name"])
    except metadata.PackageNotFoundError:
        return package


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(model_dir: Path) -> ModelManifest:
    return ModelManifest.model_validate_json((model_dir / MANIFEST_FILE).read_text())


def read_gate(artifacts: Path) -> GateReport | None:
    """The gate's report, or None before validate has run."""
    path = artifacts / GATE_FILE
    if not path.is_file():
        return None
    try:
        return GateReport.model_validate_json(path.read_text())
    except ValidationError as error:
        raise Failure(f"{path}: not a gate report ({error.error_count()} errors); validate again") from None


def manifest_digest(document: dict[str, Any]) -> str:
    """sha256 of a manifest document as canonical JSON (sorted keys, no spaces), its digest left out."""
    content = {key: value for key, value in document.items() if key != "digest"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_manifest(model_dir: Path, manifest: ModelManifest) -> Path:
    """Write the manifest with a fresh digest of its content."""
    document = manifest.model_dump(mode="json", exclude={"digest"})
    path = model_dir / MANIFEST_FILE
    path.write_text(json.dumps({**document, "digest": manifest_digest(document)}, indent=2) + "\n")
    return path


def require_manifest(artifacts: Path) -> ModelManifest:
    """The manifest of an artifacts directory, or a Failure saying which step to run first."""
    try:
        return read_manifest(artifacts)
    except FileNotFoundError:
        raise Failure(f"{artifacts}: no manifest.json; run train first") from None
