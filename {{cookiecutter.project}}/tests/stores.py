"""The object store and tracking server of the cluster tests, real processes on loopback: moto's S3 server
(versioned buckets, real ETags) and `mlflow server`, SQLite-backed, its artifacts in that store."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
# Test credentials for moto, which accepts any; the instance-metadata probe is off, so a process without
# credentials fails at once instead of trying 169.254.169.254.
AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Training data, versioned as a data lake's bucket should be; an unversioned one (ETags only); MLflow's.
DATA_BUCKET, PLAIN_BUCKET, ARTIFACT_BUCKET = "training-data", "training-plain", "mlflow"
READY_S = 120.0


@dataclass(frozen=True)
class Stores:
    s3: str
    tracking: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        """A process environment as a training pod gets it: credentials, endpoint, tracking server."""
        base = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MLFLOW_"))}
        tracking = {"MLFLOW_TRACKING_URI": self.tracking} if self.tracking else {}
        return {
            **base,
            **AWS,
            "AWS_ENDPOINT_URL_S3": self.s3,
            **tracking,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            # A failure in a second, not after MLflow's 7 retries with backoff.
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
            **extra,
        }


def plain_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MLFLOW_"))}


def start(
    command: list[str], log: Path, env: dict[str, str], url_pattern: str, probe: str
) -> tuple[str, int]:
    """Start a server in its own process group; its URL and group once `probe` answers 200. The exit code
    is not trusted: `mlflow server` exits 0 when its uvicorn child dies on an import error."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if (match := re.search(url_pattern, log.read_text())) is not None:
            try:
                with urllib.request.urlopen(match[1] + probe, timeout=2) as response:
                    if response.status == 200:
                        return match[1], process.pid
            except OSError:
                pass
        if process.poll() is not None and match is None:
            break
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"{command[0]} did not start within {READY_S:g} s:\n{log.read_text()[-3000:]}")


def start_object_store(directory: Path) -> tuple[str, int]:
    """moto's S3 server (about a second), with a versioned data bucket and the tracking server's bucket."""
    import boto3

    directory.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", "0"]
    url, group = start(
        command,
        directory / "moto.log",
        {**plain_env(), **AWS},
        r"Running on (http://127\.0\.0\.1:\d+)",
        "/moto-api/",
    )
    s3 = boto3.client("s3", endpoint_url=url, **client_keys())
    for bucket in (DATA_BUCKET, PLAIN_BUCKET, ARTIFACT_BUCKET):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=DATA_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return url, group


def start_tracking_server(directory: Path, s3: str) -> tuple[str, int]:
    """`mlflow server` with a SQLite store and its artifacts in the object store (15-35 s on 2 busy cores)."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        **plain_env(),
        **AWS,
        "MLFLOW_S3_ENDPOINT_URL": s3,
        # No background job runner (it needs `huey`, which mlflow-skinny lacks), no telemetry.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    command = [
        *(str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", "0", "--workers", "1"),
        *("--backend-store-uri", f"sqlite:///{directory / 'mlflow.db'}"),
        *("--artifacts-destination", f"s3://{ARTIFACT_BUCKET}/artifacts"),
    ]
    return start(
        command, directory / "mlflow.log", env, r"Uvicorn running on (http://127\.0\.0\.1:\d+)", "/health"
    )


def client_keys() -> dict[str, str]:
    return {
        "aws_access_key_id": AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS["AWS_SECRET_ACCESS_KEY"],
        "region_name": AWS["AWS_DEFAULT_REGION"],
    }
