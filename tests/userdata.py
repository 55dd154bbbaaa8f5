"""Tables a data scientist brings, written by the tests, and the model.toml edits that point a bake at them.

Each table is retargeted from a starter of another task, as a user would follow the generated README:
bake, drop the file into data/, edit [data], [train] and [train.params] of model.toml, and push.
"""

import csv
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class UserData:
    """One user table: the starter baked, the file written, and model.toml's new [data] and [train]."""

    name: str
    answers: dict[str, Any]
    rows: Callable[[random.Random], list[Row]]
    data: str
    params: str
    train: dict[str, str] = field(default_factory=dict)
    # Written as CSV, then converted by the project's own pandas (the template's tools carry no pyarrow).
    parquet: bool = False
    # Columns `make score` copies out of the training file (KEEP=).
    keep: list[str] = field(default_factory=list)
    # [train.search] and its space, when the starter's names another task's metric or estimator's keys.
    search: str = ""
    # Also run `make test-cluster`: the training path against moto and `mlflow server`, on this table.
    cluster: bool = False

    @property
    def row_count(self) -> int:
        return len(self.rows(random.Random(self.name)))

    @property
    def file(self) -> str:
        return f"data/{self.name}.{'parquet' if self.parquet else 'csv'}"

    def write(self, project: Path) -> None:
        rows = self.rows(random.Random(self.name))
        (project / "data").mkdir(exist_ok=True)
        with (project / "data" / f"{self.name}.csv").open("w", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        toml = project / "model.toml"
        toml.write_text(retarget(toml.read_text(), self))


def retarget(text: str, case: UserData) -> str:
    """model.toml with [data] and [train.params] replaced and [train] keys set, comments elsewhere kept."""
    data = f'[data]\nsource = "{case.file}"\n{case.data}\n\n'
    text = re.sub(r"^\[data\]\n.*?(?=^\[train\]$)", data, text, flags=re.M | re.S)
    params = f"[train.params]\n{case.params}\n\n"
    text = re.sub(r"^\[train\.params\]\n.*?(?=^\[)", params, text, flags=re.M | re.S)
    if case.search:
        text = re.sub(r"^\[train\.search\]\n.*?(?=^\[gate\]$)", f"{case.search}\n\n", text, flags=re.M | re.S)
    for key, value in case.train.items():
        text, count = re.subn(rf"^#? ?{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
        assert count == 1, f"model.toml has no {key} line to set"
    return text


def maybe(rng: random.Random, value: Any, missing: float) -> Any:
    """The value, or "" (an empty CSV cell: a missing value) with probability `missing`."""
    return "" if rng.random() < missing else value


def houses(rng: random.Random) -> list[Row]:
    """Regression on a 40-800 price: integer columns, text and integer-coded categories, gaps in both."""
    cities = {"Lyon": 30.0, "Paris": 90.0, "Lille": 0.0, "Nantes": 15.0}
    rows = []
    for index in range(400):
        rooms, year, area = rng.randint(1, 8), rng.randint(1950, 2020), rng.uniform(30, 250)
        city, zone = rng.choice(list(cities)), rng.randint(1, 6)
        condition = rng.choice(["poor", "fair", "good"])
        price = 40 + 1.1 * area + 12 * rooms + 0.3 * (year - 1950) + cities[city] + 8 * zone
        price += {"poor": -20, "fair": 0, "good": 25}[condition] + rng.gauss(0, 15)
        rows.append(
            {
                "id": f"H{index:04d}",
                "rooms": rooms,
                "year_built": year,
                "area": maybe(rng, round(area, 1), 0.05),
                "city": maybe(rng, city, 0.03),
                "condition": condition,
                "zone": maybe(rng, zone, 0.02),
                "price": round(price, 2),
            }
        )
    return rows


def churn(rng: random.Random) -> list[Row]:
    """Binary, about 5% positive, with integer codes and gaps: a threshold of 0.15 earns recall."""
    plans = {"basic": 1.0, "plus": 0.0, "pro": -0.8}
    rows = []
    for _ in range(800):
        tenure, calls, plan = rng.randint(0, 72), rng.randint(0, 9), rng.choice(list(plans))
        charges, region = rng.uniform(20, 120), rng.randint(1, 5)
        logit = -7.5 + 0.75 * calls - 0.04 * tenure + plans[plan] + 0.01 * charges
        churned = rng.random() < 1 / (1 + math.exp(-logit))
        rows.append(
            {
                "tenure_months": tenure,
                "monthly_charges": maybe(rng, round(charges, 2), 0.05),
                "plan": maybe(rng, plan, 0.04),
                "support_calls": calls,
                "region": region,
                "churned": "yes" if churned else "no",
            }
        )
    return rows


def segments(rng: random.Random) -> list[Row]:
    """Three tiers from income, age and channel; an integer-coded segment and missing incomes."""
    channels = {"web": 8.0, "store": 0.0, "phone": -6.0}
    rows = []
    for _ in range(450):
        age, income, channel = rng.randint(18, 80), rng.uniform(15_000, 120_000), rng.choice(list(channels))
        score = income / 1000 + 0.4 * age + channels[channel] + rng.gauss(0, 6)
        tier = "bronze" if score < 70 else "silver" if score < 100 else "gold"
        rows.append(
            {
                "age": age,
                "income": maybe(rng, round(income), 0.04),
                "channel": channel,
                "segment": rng.randint(1, 4),
                "visits": rng.randint(0, 30),
                "tier": tier,
            }
        )
    return rows


# The user-file bake (a regression retargeted from the default binary starter) doubles as one of the
# three task retargets; the other two cover binary from multiclass and multiclass from regression.
USER_DATA: list[UserData] = [
    UserData(
        "houses",
        {},
        houses,
        'target = "price"\ncategorical = ["city", "condition", "zone"]\nexclude = ["id"]',
        "alpha = 3.0",
        keep=["id", "zone"],
        search='[train.search]\nkind = "grid"\nmetric = "r2"\n\n[train.search.space]\n'
        "alpha = [0.3, 1.0, 3.0, 10.0]",
        cluster=True,
    ),
    UserData(
        "churn",
        {"dataset": "wine", "estimator": "random_forest"},
        churn,
        'target = "churned"\ncategorical = ["plan", "region"]',
        "n_estimators = 60\nmax_depth = 8\nmin_samples_leaf = 2",
        {"decision_threshold": "0.15"},
        parquet=True,
    ),
    UserData(
        "segments",
        {"dataset": "diabetes", "estimator": "gradient_boosting", "python_version": "3.11"},
        segments,
        'target = "tier"\ncategorical = ["channel", "segment"]',
        "max_iter = 80\nlearning_rate = 0.1\nmax_leaf_nodes = 15",
        search='[train.search]\nkind = "grid"\nmetric = "balanced_accuracy"\n\n[train.search.space]\n'
        "learning_rate = [0.05, 0.1]\nmax_leaf_nodes = [15, 31]",
        cluster=True,
    ),
]
