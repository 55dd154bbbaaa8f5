"""Run-time configuration: the one Settings class and the only module that reads the environment."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def cpu_limit() -> int:
    """CPUs this process may use: the cgroup quota when one is set, else the affinity mask."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            return max(1, int(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Settings(BaseSettings):
    """Every value comes from an `APP_`-prefixed variable; the defaults run the server on a laptop."""

    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore", frozen=True)

    model_dir: Path = Field(Path("artifacts"), description="Directory holding model.onnx and manifest.json")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    workers: int = Field(default_factory=cpu_limit, ge=1, description="uvicorn worker processes")
    # Workers already use every CPU, so one onnxruntime thread each avoids oversubscription.
    intra_op_threads: int = Field(
        default_factory=lambda data: max(1, cpu_limit() // data.get("workers", 1)),
        ge=1,
        description="onnxruntime threads per inference",
    )
    inter_op_threads: int = Field(1, ge=1, description="onnxruntime parallel graph branches")
    max_batch_rows: int = Field(1024, ge=1, description="Largest batch one request may carry")
    max_body_bytes: int | None = Field(
        None, ge=1024, description="Largest request body; unset, what max_batch_rows rows of this model take"
    )
    max_model_bytes: int = Field(
        256 << 20, ge=1024, description="Largest model.onnx loaded; a larger one leaves the server unready"
    )
    max_manifest_bytes: int = Field(
        16 << 20, ge=1024, description="Largest manifest.json read; a larger one leaves the server unready"
    )
    request_timeout_s: float = Field(
        10.0, gt=0, description="A body arriving slower gets a 408; an answer taking longer, a 503"
    )
    max_concurrency: int = Field(
        100, ge=1, description="POST requests in progress (body arrived) per worker; more get a 503"
    )
    max_headers: int = Field(100, ge=1, description="Header fields one request may carry; more get a 431")
    max_header_bytes: int = Field(
        16384, ge=1024, description="Bytes of the request line and headers; more get a 431"
    )
    header_timeout_s: float = Field(
        10.0, gt=0, description="A request head (or a new connection's first) must arrive within this"
    )
    keepalive_timeout_s: float = Field(
        75.0, gt=0, description="An idle kept-alive connection closes after this; above proxies' 60 s"
    )
    shutdown_timeout_s: float = Field(
        20.0, gt=0, description="Drain time after SIGTERM; keep under the grace period"
    )
    drain_delay_s: float = Field(
        0.0, ge=0, description="After SIGTERM, fail readiness but keep serving this long before draining"
    )
    # Named without the prefix because prometheus-client reads this exact variable in every worker.
    prometheus_multiproc_dir: Path | None = Field(
        None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "APP_PROMETHEUS_MULTIPROC_DIR"),
        description="Shared metrics directory for several workers; serve creates one when unset",
    )
    drift_window: int = Field(1000, ge=10, description="Recent input rows kept for the drift statistic")
    strict_categories: bool = Field(
        False,
        description="Refuse a category training never saw (422 on /predict, 400 on OIP, a refused row in"
        " `score`) instead of encoding it as unseen; model_unseen_categories_total counts them either way",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool | None = Field(
        None, description="One JSON object a log line; unset, JSON unless stdout is a terminal"
    )
    access_log: bool = Field(False, description="One log line per request; metrics already count them")
    git_revision: str = Field("unknown", description="Commit the image was built from; set by the build")
    image_digest: str = Field(
        "unknown",
        description="Digest of the image this pod runs; set by `render` in the environment's config",
    )
    api_docs: bool = Field(True, description="Serve /docs and /redoc, whose pages load scripts from a CDN")
    expose_library_versions: bool = Field(
        False, description="List the training libraries' versions in /model"
    )
    otel_enabled: bool = False
    otel_endpoint: str = Field("http://localhost:4318", description="OTLP/HTTP collector for traces")
    score_input: str | None = Field(
        None, description="`score`: a .csv or .parquet file, or a directory of them"
    )
    score_output: str | None = Field(
        None, description="`score`: the .csv or .parquet file to write; with --shard, the directory of parts"
    )
    score_errors: str | None = Field(
        None, description="`score`: where rows that fail the input checks go; unset, such a row fails the run"
    )
    score_batch_rows: int = Field(16384, ge=1, description="`score`: rows read, checked and scored at a time")
    # Named as MLflow names it, because MLflow's own client reads the same variable.
    mlflow_tracking_uri: str | None = Field(
        None,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "APP_MLFLOW_TRACKING_URI"),
        description="MLflow tracking server whose registry aliases delivery moves; unset, they stay",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def export_overrides(values: dict[str, Any]) -> None:
    """Put command-line values over the environment, for this process and the workers it starts.

    Raises pydantic's ValidationError, before changing anything, when a value is invalid.
    """
    Settings(**values)
    for name, value in values.items():
        os.environ[f"APP_{name.upper()}"] = str(value)
    get_settings.cache_clear()


def export_multiproc_dir(path: Path) -> None:
    """Hand the metrics directory to worker processes, where prometheus-client reads it at import."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
