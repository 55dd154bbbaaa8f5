"""What the server reads beyond the model runtime's settings, and how they reach its worker processes.

uvicorn starts each worker from an import string (`serving.app:create_app`, a factory called with no
arguments), so a worker cannot be handed an object: it reads its settings from the environment, as
every process of the pod does. `serve` therefore writes its command-line options into the environment
(`export_overrides`) before uvicorn starts, and each worker's `create_app` builds `ServerSettings()`
from it once and passes that object to everything it creates. This is the only place where settings
travel through the environment.
"""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, HttpUrl, field_validator

from ..outcomes.settings import PredictionIdSettings
from ..runtime.settings import RuntimeSettings
from ..settings import AppSettings, cpu_limit, read_settings


class Workers(AppSettings):
    """Declared apart so that pydantic validates `workers` before the runtime's `intra_op_threads`,
    whose default divides the CPUs among the workers (pydantic validates base classes' fields first)."""

    workers: int = Field(default_factory=cpu_limit, ge=1, description="uvicorn worker processes")


class ServerSettings(RuntimeSettings, PredictionIdSettings, Workers):
    """The HTTP server: where it listens, its limits and timeouts, its logs, metrics and traces."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    max_batch_rows: int = Field(1024, ge=1, description="Largest batch one request may carry")
    max_body_bytes: int | None = Field(
        None, ge=1024, description="Largest request body; unset, what max_batch_rows rows of this model take"
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
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool | None = Field(
        None, description="One JSON object a log line; unset, JSON unless stdout is a terminal"
    )
    access_log: bool = Field(False, description="One log line per request; metrics already count them")
    image_digest: str = Field(
        "unknown",
        description="Digest of the image this pod runs; set by `render` in the environment's config",
    )
    api_docs: bool = Field(True, description="Serve /docs and /redoc, whose pages load scripts from a CDN")
    expose_library_versions: bool = Field(
        False, description="List the training libraries' versions in /model"
    )
    shadow_stable_url: HttpUrl | None = Field(
        None,
        description="The stable model's Service: each inference answer is re-asked there and the two"
        " compared (model_shadow_*); unset, off",
    )
    shadow_sample: float = Field(1.0, gt=0, le=1, description="Share of inference answers re-asked")
    shadow_timeout_s: float = Field(2.0, gt=0, le=60, description="A re-ask slower than this is dropped")
    shadow_max_in_flight: int = Field(
        8, ge=1, le=256, description="Re-asks in flight per worker; more are dropped, counted as busy"
    )
    shadow_model_ttl_s: float = Field(
        30.0, gt=0, le=3600, description="How long the stable's /model is trusted"
    )
    otel_enabled: bool = False
    otel_endpoint: str = Field("http://localhost:4318", description="OTLP/HTTP collector for traces")

    @field_validator("shadow_stable_url")
    @classmethod
    def _plain_url(cls, url: HttpUrl | None) -> HttpUrl | None:
        """The stable is a Service: credentials, a query or a fragment in its URL are a mistake."""
        if url is not None and (url.username or url.password or url.query or url.fragment):
            raise ValueError("the stable's URL takes no user, password, query or fragment")
        return url


def export_overrides(values: dict[str, Any]) -> ServerSettings:
    """Put command-line values over the environment, for this process and the workers it starts, and
    return the settings they make.

    Raises a Failure naming the option or the variable, before changing anything, when a value is invalid.
    """
    settings = read_settings(ServerSettings, values)
    for name, value in values.items():
        os.environ[f"APP_{name.upper()}"] = str(value)
    return settings


def export_multiproc_dir(path: Path) -> None:
    """Hand the metrics directory to worker processes, where prometheus-client reads it at import."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
