"""An A/B experiment end to end, offline: a real Prometheus scrapes real servers, a client splits its
traffic between two of them and posts the outcomes later and out of order, at any server, and the
verdict command reads Prometheus and decides.

The servers serve the project's own model (the champion), a model trained on the same rows with the
target shuffled (truly worse), and the champion's twin trained with another seed (the same quality),
all signing ids with one key as the pods of one Secret do. Everything is seeded. The worse model reads
its target from a CSV as text, which can sort a classifier's classes otherwise than the bundled loader
(the default bake's does): outcomes posted at any server are judged by class name (outcomes/ids.py).
"""

import base64
import json
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package }}.manifest import read_manifest, write_manifest
from {{ cookiecutter.package }}.model.config import ModelConfig

from ..infra.k8s import OVERLAYS_DIR, only, render
from ..infra.prometheus import SCRAPE_SECONDS, prometheus, query, wait_until, wait_until_scraped
from ..servers import LiveServer, free_port, live_server
from ..training import project_table
from ..zygote import PACKAGE

pytestmark = [pytest.mark.slow, pytest.mark.live]

KEY = base64.b64encode(bytes(range(32))).decode()
ARMS = ("champion", "worse", "twin")
# Enough that a near-perfect champion's arm has its ten wrong answers, which the verdict waits for before
# it trusts the normal approximation (n p (1 - p) >= 10, experiment/arms.py): about 900 outcomes at 99%.
REQUESTS_PER_ARM = 1200


@dataclass(frozen=True)
class Truth:
    row: dict[str, Any]
    outcome: dict[str, Any]  # the outcome field this row's truth posts: label or value


@dataclass
class Experiment:
    prometheus: str
    servers: dict[str, LiveServer]
    models: dict[str, Path]
    versions: dict[str, str]
    truths: list[Truth]
    rng: random.Random

    def split(self, weights: dict[str, float], requests: int) -> list[tuple[str, Truth]]:
        """`requests` single-row predictions, each sent to an arm drawn with the weights; returns the ids
        with the truth of the row each predicted."""
        names = list(weights)
        arms = self.rng.choices(names, weights=[weights[name] for name in names], k=requests)
        rows = [self.rng.choice(self.truths) for _ in range(requests)]

        def predict(arm: str, truth: Truth) -> tuple[str, Truth]:
            [prediction_id] = post(f"{self.servers[arm].url}/predict", truth.row)["prediction_ids"]
            return prediction_id, truth

        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(predict, arms, rows))

    def report(self, answered: list[tuple[str, Truth]]) -> None:
        """The outcomes, shuffled (ground truth arrives out of order), in batches to any server."""
        self.rng.shuffle(answered)
        urls = [server.url for server in self.servers.values()]
        for start in range(0, len(answered), 100):
            batch = [{"prediction_id": pid, **truth.outcome} for pid, truth in answered[start : start + 100]]
            post(f"{self.rng.choice(urls)}/v1/outcomes", {"outcomes": batch})

    def wait_until_counted(self, outcomes: int) -> None:
        def counted() -> bool:
            result = query(self.prometheus, "sum(model_outcomes_total)")["data"]["result"]
            return bool(result) and float(result[0]["value"][1]) >= outcomes

        wait_until(counted, f"{outcomes} outcomes in Prometheus")
        time.sleep(2 * SCRAPE_SECONDS)  # the prediction counters are scraped by then too

    def verdict(
        self, champion: str, challenger: str, since: datetime | str
    ) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable, "-m", PACKAGE, "experiment", "verdict",
            "--prometheus", self.prometheus,
            "--champion", self.versions[champion],
            "--challenger", self.versions[challenger],
            "--since", since if isinstance(since, str) else since.isoformat(timespec="seconds"),
            "--artifacts", str(self.models[challenger]),
        ]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def post(url: str, body: object) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def truths(feature_columns: list[str], classifier: bool) -> list[Truth]:
    """Every row of the project's data with the outcome its truth posts."""
    frame, target = project_table()
    rows = []
    for record in frame.to_dict(orient="records"):
        row = {name: None if _missing(record[name]) else record[name] for name in feature_columns}
        truth = record[target]
        outcome = {"label": str(truth)} if classifier else {"value": float(truth)}
        rows.append(Truth(row, outcome))
    return rows


def _missing(value: Any) -> bool:
    return isinstance(value, float) and value != value


def plan_for_the_data(model_dir: Path, classifier: bool, scale: float) -> Path:
    """The manifest's [experiment] with an MDE fitting the data: 5 points of accuracy, or a tenth of the
    target's spread (model.toml's default is in the unit of the bundled dataset's target)."""
    manifest = read_manifest(model_dir)
    effect = 0.05 if classifier else 0.1 * scale
    plan = manifest.experiment.model_copy(update={"minimum_detectable_effect": effect})
    write_manifest(model_dir, manifest.model_copy(update={"experiment": plan}))
    return model_dir


def train_variant(config: ModelConfig, out: Path, *, shuffle_target: bool, seed: int) -> Path:
    """The project's model trained again: on its rows with the target shuffled, or with another seed."""
    from {{ cookiecutter.package }}.model.export import export_model
    from {{ cookiecutter.package }}.model.train import train_model

    data = config.data
    if shuffle_target:
        frame, target = project_table()
        frame[target] = np.random.default_rng(seed).permutation(frame[target].to_numpy())
        frame.to_csv(out.with_suffix(".csv"), index=False)
        data = data.model_copy(update={"source": str(out.with_suffix(".csv")), "target": target})
    train = config.train.model_copy(update={"seed": seed})
    train_model(data, train, out, name=f"test-{out.name}", shadow=config.shadow)
    export_model(out, config.gate.parity_tolerance)
    return out


@pytest.fixture(scope="module")
def experiment(
    artifacts_dir: Path, model_config: ModelConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Experiment]:
    work = tmp_path_factory.mktemp("experiment")
    trained = {
        "champion": Path(shutil.copytree(artifacts_dir, work / "champion")),
        "worse": train_variant(model_config, work / "worse", shuffle_target=True, seed=11),
        "twin": train_variant(model_config, work / "twin", shuffle_target=False, seed=12),
    }
    frame, target = project_table()
    classifier = bool(read_manifest(artifacts_dir).classes)
    scale = 0.0 if classifier else float(frame[target].std())
    models = {arm: plan_for_the_data(path, classifier, scale) for arm, path in trained.items()}
    ports = {arm: free_port() for arm in ARMS}
    with ExitStack() as stack:
        url = stack.enter_context(
            prometheus(only(render(OVERLAYS_DIR / "production"), "ServiceMonitor"), ports, work)
        )
        servers = {
            arm: stack.enter_context(live_server(models[arm], port=ports[arm], APP_PREDICTION_ID_KEY=KEY))
            for arm in ARMS
        }
        wait_until_scraped(url, len(ARMS))
        versions = {
            arm: server.manifest.onnx.sha256[:12] for arm, server in servers.items() if server.manifest.onnx
        }
        manifest = servers["champion"].manifest
        features = [*manifest.feature_names, *(feature.name for feature in manifest.categorical)]
        yield Experiment(url, servers, models, versions, truths(features, classifier), random.Random(2026))


def test_the_verdict_follows_the_truth_and_stops_a_broken_split(experiment: Experiment) -> None:
    """One seeded run, in the order a team meets the cases: an even split of three arms (each pair at
    50/50), then the champion and its twin at 70/30."""
    even_start = datetime.now(UTC)
    answered = experiment.split(dict.fromkeys(ARMS, 1.0), 3 * REQUESTS_PER_ARM)
    experiment.report(answered)
    experiment.wait_until_counted(len(answered))

    promote = experiment.verdict("worse", "champion", even_start)
    assert promote.returncode == 0, promote.stdout + promote.stderr
    abort = experiment.verdict("champion", "worse", even_start)
    assert abort.returncode == 4, abort.stdout + abort.stderr
    keep = experiment.verdict("champion", "twin", even_start)
    assert keep.returncode == 3, keep.stdout + keep.stderr
    # The Job's first look (--since 0s) counts nothing yet: not each replica's traffic since it started.
    first_look = experiment.verdict("champion", "worse", "0s")
    assert first_look.returncode == 3, first_look.stdout + first_look.stderr
    assert "too few outcomes" in first_look.stdout

    skewed_start = datetime.now(UTC)
    time.sleep(2 * SCRAPE_SECONDS)
    answered = experiment.split({"champion": 0.7, "twin": 0.3}, 2 * REQUESTS_PER_ARM)
    experiment.report(answered)
    experiment.wait_until_counted(3 * REQUESTS_PER_ARM + len(answered))
    mismatch = experiment.verdict("champion", "twin", skewed_start)
    assert mismatch.returncode == 5, mismatch.stdout + mismatch.stderr
