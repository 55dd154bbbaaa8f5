"""model.toml: what to train and the thresholds the validation gate holds a model to."""

import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import Failure, require_regular_file
from ..manifest import Experiment, Shadow, Task
from .metrics import DEFAULT_SKILL, metric_problem

CONFIG_FILE = Path("model.toml")
# Datasets that ship with a package (scikit-learn, palmerpenguins), so a fresh project trains without
# downloading anything.
BUNDLED_DATASETS = ("breast_cancer", "wine", "diabetes", "penguins")

Estimator = Literal["linear", "random_forest", "gradient_boosting"]
TaskChoice = Literal["auto", "binary", "multiclass", "regression"]


class Section(BaseModel):
    # A misspelt key should fail loudly rather than silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(Section):
    source: str = Field("breast_cancer", min_length=1)
    target: str | None = None
    task: TaskChoice = "auto"
    # None: the columns with string values; a list (even empty) decides.
    categorical: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)


class SearchConfig(Section):
    """[train.search]: trials over [train.params] keys, each fitted on the training rows but a validation
    share and scored on that share; the best is refitted on all the training rows and gated on the test."""

    kind: Literal["grid", "random"] = "grid"
    # Each key takes the values listed; grid tries every combination, random `trials` of them (seeded).
    space: dict[str, list[Any]] = Field(min_length=1)
    trials: int | None = Field(None, ge=1)
    # Picked on the validation share, never on the test rows; None: the task's first default gate metric.
    metric: str | None = None
    validation_size: float = Field(0.2, gt=0, lt=1)

    @field_validator("space")
    @classmethod
    def values_listed(cls, space: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in space.items():
            if key == "random_state":
                raise ValueError("random_state: set [train] seed instead; it seeds every trial")
            if not values:
                raise ValueError(f"{key}: list at least one value")
        return space

    @field_validator("metric")
    @classmethod
    def known_metric(cls, metric: str | None) -> str | None:
        if metric is not None and (problem := metric_problem(metric)) is not None:
            raise ValueError(problem)
        return metric

    @model_validator(mode="after")
    def trials_fit_the_kind(self) -> "SearchConfig":
        if self.kind == "random" and self.trials is None:
            raise ValueError("a random search needs `trials`, the number of combinations to try")
        if self.kind == "grid" and self.trials is not None:
            raise ValueError("a grid search tries every combination: drop `trials`, or use kind = 'random'")
        return self


class TrainConfig(Section):
    estimator: Estimator = "linear"
    seed: int = Field(42, ge=0, le=2**32 - 1)
    test_size: float = Field(0.25, gt=0, lt=1)
    # Keyword arguments of the estimator; model/estimators.py checks them against its get_params().
    params: dict[str, Any] = Field(default_factory=dict)
    # Binary classifiers only: the label is the positive class when its probability reaches this.
    # Strict: `true` is no threshold; finite: NaN is none either.
    decision_threshold: float | None = Field(None, gt=0, lt=1, strict=True, allow_inf_nan=False)
    # `tune` only: the hyperparameter search; train fits [train.params] as they are.
    search: SearchConfig | None = None

    @field_validator("decision_threshold")
    @classmethod
    def float32_threshold(cls, threshold: float | None) -> float | None:
        """The ONNX graph compares in float32: a threshold it rounds to 0 or 1 would label otherwise."""
        if threshold is not None and not 0 < np.float32(threshold) < 1:
            raise ValueError(
                f"{threshold} is {np.float32(threshold)} in float32, the model's precision; use a number"
                f" from {np.finfo(np.float32).tiny:.3g} to {np.nextafter(np.float32(1), np.float32(0))}"
            )
        return threshold


class GateConfig(Section):
    # Metric -> the share of the way from the baseline to a perfect score it must go; None: the task's
    # default (metrics.DEFAULT_SKILL).
    beat_baseline: dict[str, float] | None = None
    minimum: dict[str, float] = Field(default_factory=dict)
    maximum: dict[str, float] = Field(default_factory=dict)
    parity_tolerance: float = Field(1e-4, gt=0)
    latency_budget_ms: float = Field(5.0, gt=0)
    champion_tolerance: float = Field(0.02, ge=0)

    @field_validator("beat_baseline", "minimum", "maximum")
    @classmethod
    def known_metrics(cls, thresholds: dict[str, float] | None) -> dict[str, float] | None:
        for name in thresholds or {}:
            if (problem := metric_problem(name)) is not None:
                raise ValueError(problem)
        return thresholds

    @field_validator("beat_baseline")
    @classmethod
    def skills_in_range(cls, skills: dict[str, float] | None) -> dict[str, float] | None:
        for name, skill in (skills or {}).items():
            if not 0 <= skill < 1:
                raise ValueError(f"{name} = {skill:g}: a share of the way to a perfect score, from 0 to 1")
        return skills

    def skills(self, task: Task) -> dict[str, float]:
        return DEFAULT_SKILL[task] if self.beat_baseline is None else self.beat_baseline

    def check_task(self, task: Task) -> None:
        """Every metric the gate names is one that a model of `task` has."""
        tables = {"beat_baseline": self.skills(task), "minimum": self.minimum, "maximum": self.maximum}
        for table, thresholds in tables.items():
            for name in thresholds:
                if (problem := metric_problem(name, task)) is not None:
                    raise Failure(f"model.toml [gate] {table}.{name}: {problem}; edit it")


class ModelConfig(Section):
    data: DataConfig = Field(default_factory=DataConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    gate: GateConfig = Field(default_factory=GateConfig)
    shadow: Shadow = Field(default_factory=Shadow)
    experiment: Experiment = Field(default_factory=Experiment)


def load_config(path: Path) -> ModelConfig:
    """Read and check model.toml; a relative data source is taken relative to the file."""
    require_regular_file(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise Failure(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise Failure(f"{path}: not valid TOML: {error}") from None
    try:
        config = ModelConfig.model_validate(raw)
    except ValidationError as error:
        raise Failure(f"{path}: {describe_error(error)}") from None
    return resolve_source(config, path.parent)


def describe_error(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{key}: {message} (got {first.get('input')!r})"


def resolve_source(config: ModelConfig, base: Path) -> ModelConfig:
    source = config.data.source
    if source in BUNDLED_DATASETS or "://" in source or Path(source).is_absolute():
        return config
    data = config.data.model_copy(update={"source": str(base / source)})
    return config.model_copy(update={"data": data})
