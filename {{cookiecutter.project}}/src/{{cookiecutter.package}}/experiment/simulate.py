"""The test's own check: many seeded A/A experiments with a look after every outcome per arm, whose false
positive rate must stay at or below α, and as many with the challenger better by the MDE (power).

Synthetic accuracy counters under the default plan of model.toml [experiment] (α 0.05, MDE 0.02, 200
outcomes per arm before any verdict): each run draws its arms' outcomes as Bernoulli trials, and the
very functions of the verdict (arms.py, sequential.py) judge every look at once, vectorised over runs.
A run's verdict is its first look that rejects θ = 0 (Λ ≥ 1/α, the running p ≤ α): promote when the
effect is positive there, abort when negative; in an A/A run, either is a false positive.
"""

import argparse
import math
from dataclasses import dataclass

import numpy as np

from ..cli_values import whole
from ..manifest import Experiment
from .arms import proportion_normal_enough, proportion_variance
from .sequential import log_likelihood_ratio, mixture_variance

BASE_ACCURACY = 0.9
CHUNK = 50  # runs judged at once: memory stays at a few arrays of CHUNK x outcomes


@dataclass(frozen=True)
class Result:
    runs: int
    promoted: float
    aborted: float
    median_outcomes: float  # per arm, at the decision, of the runs decided


def first_rejections(
    rng: np.random.Generator, runs: int, outcomes: int, accuracies: tuple[float, float], plan: Experiment
) -> tuple[np.typing.NDArray[np.int64], np.typing.NDArray[np.float64]]:
    """Per run: the number of outcomes per arm at the first rejecting look (0: never), and its effect."""
    n = np.arange(1, outcomes + 1, dtype=np.float64)
    a, b = (
        rng.binomial(1, accuracy, size=(runs, outcomes)).cumsum(axis=1, dtype=np.float64)
        for accuracy in accuracies
    )
    var_a, var_b = proportion_variance(a, n), proportion_variance(b, n)
    s2 = (var_a + var_b) / n
    tau2 = mixture_variance(plan.minimum_detectable_effect, (var_a + var_b) / plan.max_samples_per_arm)
    effect = (b - a) / n
    enough = (
        (n >= plan.minimum_samples_per_arm) & proportion_normal_enough(a, n) & proportion_normal_enough(b, n)
    )
    rejected = enough & (log_likelihood_ratio(effect, s2, tau2) >= -math.log(plan.alpha))
    first = rejected.argmax(axis=1)
    decided = rejected.any(axis=1)
    return np.where(decided, first + 1, 0), effect[np.arange(runs), first]


def simulate(runs: int, outcomes: int, effect: float, seed: int, plan: Experiment | None = None) -> Result:
    """`runs` experiments of up to `outcomes` per arm, the challenger's accuracy `effect` above 0.9."""
    plan = plan or Experiment(metric="accuracy")
    rng = np.random.default_rng(seed)
    at, signs = [], []
    for start in range(0, runs, CHUNK):
        size = min(CHUNK, runs - start)
        looks, effects = first_rejections(rng, size, outcomes, (BASE_ACCURACY, BASE_ACCURACY + effect), plan)
        at.append(looks)
        signs.append(np.sign(effects) * (looks > 0))
    looks, sign = np.concatenate(at), np.concatenate(signs)
    decided = looks[looks > 0]
    median = float(np.median(decided)) if decided.size else math.nan
    return Result(runs, float(np.mean(sign > 0)), float(np.mean(sign < 0)), median)


def add_simulate_command(actions: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = actions.add_parser("simulate", help="A/A false positive rate and power of the verdict's test")
    parser.add_argument(
        "--runs", type=whole(1, 100_000), default=1000, help="Experiments of each kind (1000)"
    )
    parser.add_argument(
        "--outcomes", type=whole(1, 1_000_000), default=20_000, help="Per arm, a look after each"
    )
    parser.add_argument("--seed", type=whole(0), default=0, help="Seed of the draws (0)")
    parser.set_defaults(handler=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    plan = Experiment(metric="accuracy")
    delta = plan.minimum_detectable_effect
    print(
        f"{args.runs} runs of up to {args.outcomes} outcomes per arm, a look after each; accuracy"
        f" {BASE_ACCURACY}, alpha {plan.alpha}, MDE {delta}, seed {args.seed}"
    )
    for name, effect in (("A/A", 0.0), ("power at +MDE", delta), ("power at -MDE", -delta)):
        result = simulate(args.runs, args.outcomes, effect, args.seed, plan)
        print(
            f"{name:<14} promoted {100 * result.promoted:5.1f}%  aborted {100 * result.aborted:5.1f}%"
            f"  median outcomes per arm at the decision {result.median_outcomes:g}"
        )
    return 0
