"""What the model runtime reads: which model, how onnxruntime runs it, how its inputs are checked."""

from pathlib import Path

from pydantic import Field

from ..settings import AppSettings, cpu_limit


class RuntimeSettings(AppSettings):
    """The settings both the server and batch scoring load a model with."""

    model_dir: Path = Field(Path("artifacts"), description="Directory holding model.onnx and manifest.json")
    # A server's workers already use every CPU, so one onnxruntime thread each avoids oversubscription.
    # `workers` is a server setting, validated first (serving/settings.py); elsewhere (batch scoring) one
    # thread too, as a process per CPU is the way to use more.
    intra_op_threads: int = Field(
        default_factory=lambda data: max(1, cpu_limit() // data.get("workers", cpu_limit())),
        ge=1,
        description="onnxruntime threads per inference",
    )
    inter_op_threads: int = Field(1, ge=1, description="onnxruntime parallel graph branches")
    max_model_bytes: int = Field(
        256 << 20, ge=1024, description="Largest model.onnx loaded; a larger one leaves the server unready"
    )
    max_manifest_bytes: int = Field(
        16 << 20, ge=1024, description="Largest manifest.json read; a larger one leaves the server unready"
    )
    drift_window: int = Field(1000, ge=10, description="Recent input rows kept for the drift statistic")
    strict_categories: bool = Field(
        False,
        description="Refuse a category training never saw (422 on /predict, 400 on OIP, a refused row in"
        " `score`) instead of encoding it as unseen; model_unseen_categories_total counts them either way",
    )
    git_revision: str = Field("unknown", description="Commit the image was built from; set by the build")
