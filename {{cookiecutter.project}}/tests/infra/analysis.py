"""Argo Rollouts' analysis rules, ported from v1.9.1 so tests can judge measurements as the controller does.

- Args are substituted over the whole metric, conditions included (utils/analysis/factory.go:112-128).
- The Prometheus provider hands a vector to the conditions as a list of floats, empty when the query
  returned nothing (metricproviders/prometheus/prometheus.go:174-183).
- With both conditions set, a measurement is Failed when the failure condition holds, Successful when
  only the success condition does, and Inconclusive when neither does (utils/evaluate/evaluate.go:18-58).
- A Job metric's measurement follows its Job's conditions (metricproviders/job/job.go:188-212), and a
  metric's run phase follows its measurements and limits (analysis/analysis.go:580-687).
- Conditions are expr v1.15.5 expressions; this evaluates the subset our templates use, with the same
  short-circuit `and`/`or` (expr compiler/compiler.go:399-406). `not` is allowed only before a call,
  where Python's and expr's precedence agree (expr parser/operator/operator.go: unary `not` binds
  tighter than comparisons, Python's looser).
"""

import ast
import json
import math
import re
from typing import Any

from .k8s import K8sObject

# An argument reference (args.NAME in double braces), escaped so that cookiecutter's Jinja leaves it alone.
ARG = re.compile(r"\{\{\s*args\.([\w-]+)\s*\}\}")
FUNCTIONS = {"len": len, "isNaN": math.isnan, "isInf": math.isinf}


def resolve_args(template: K8sObject, values: dict[str, str]) -> list[K8sObject]:
    """The template's metrics with every argument reference replaced, as an AnalysisRun holds them."""
    args = {arg["name"]: arg.get("value") for arg in template["spec"].get("args", [])} | values
    text = ARG.sub(lambda match: str(args[match.group(1)]), json.dumps(template["spec"]["metrics"]))
    metrics: list[K8sObject] = json.loads(text)
    return metrics


def evaluate(condition: str, result: list[float]) -> bool:
    """Evaluate an expr condition over `result`, refusing any construct outside the supported subset."""
    tree = ast.parse(condition, mode="eval")
    for node in ast.walk(tree):
        check_node(node)
    value = eval(compile(tree, "<condition>", "eval"), {"__builtins__": {}}, {**FUNCTIONS, "result": result})  # noqa: S307
    if not isinstance(value, bool):
        raise TypeError(f"{condition!r} gave {value!r}; expr requires a bool")
    return value


def check_node(node: ast.AST) -> None:
    allowed = (
        ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.Call, ast.Name, ast.Load,
        ast.Subscript, ast.Constant, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.UnaryOp,
        ast.Not,
    )  # fmt: skip
    if not isinstance(node, allowed):
        raise ValueError(f"{type(node).__name__} is outside the condition subset this port understands")
    if isinstance(node, ast.UnaryOp) and not isinstance(node.operand, ast.Call):
        raise ValueError("`not` must apply to a call: expr and Python give it different precedence")
    if isinstance(node, ast.Name) and node.id not in {*FUNCTIONS, "result"}:
        raise ValueError(f"unknown name {node.id!r}")


def measurement_phase(metric: K8sObject, result: list[float]) -> str:
    """The phase Argo Rollouts gives one measurement of `metric` whose query returned `result`."""
    success = evaluate(metric["successCondition"], result) if "successCondition" in metric else False
    failure = evaluate(metric["failureCondition"], result) if "failureCondition" in metric else False
    if "successCondition" not in metric and "failureCondition" not in metric:
        return "Successful"
    if "failureCondition" not in metric:
        failure = not success
    if "successCondition" not in metric:
        success = not failure
    if failure:
        return "Failed"
    return "Successful" if success else "Inconclusive"


def canary_replicas(replicas: int, weight: int, max_surge: int) -> tuple[int, int]:
    """(canary, stable) pods for a weight without a traffic router (utils/replicaset/canary.go:218-275)."""
    if replicas == 0:
        return 0, 0
    ceil, floor = math.ceil(replicas * weight / 100), math.floor(replicas * weight / 100)
    # Weights 1-99 never round to zero canary pods once there are two replicas or a surge.
    zero_allowed = weight in (0, 100) or (replicas == 1 and max_surge == 0)
    options = []
    if ceil < replicas or zero_allowed:
        options.append((ceil, replicas))
    if not tied(weight, replicas) and (floor != 0 or zero_allowed):
        options.append((floor, replicas))
    if max_surge > 0:
        options.append((ceil, replicas + 1))
        if not tied(weight, replicas + 1) and (floor != 0 or zero_allowed):
            options.append((floor, replicas + 1))
    canary, total = min(options, key=lambda option: abs(option[0] * 100 / option[1] - weight))
    return canary, total - canary


def tied(weight: int, replicas: int) -> bool:
    return math.modf(replicas * weight / 100)[0] == 0.5


def prometheus_result(response: dict[str, Any]) -> list[float]:
    """A /api/v1/query answer as the provider passes it on: the vector's values, in order."""
    assert response["status"] == "success", response
    assert response["data"]["resultType"] == "vector", response
    return [float(sample["value"][1]) for sample in response["data"]["result"]]


# A step analysis's run phase, as the Rollout acts on it (rollout/analysis.go:404-443).
STEP_OUTCOMES = {"Successful": "next step", "Failed": "abort", "Error": "abort", "Inconclusive": "pause"}


def job_measurement_phase(condition_types: list[str]) -> str:
    """A Job metric's measurement from its Job's condition types: Complete is Successful, Failed is
    Failed, neither keeps it Running (job.go:198-207). There is no Inconclusive."""
    phase = "Running"
    for condition in condition_types:
        phase = {"Complete": "Successful", "Failed": "Failed"}.get(condition, phase)
    return phase


def job_conditions(exit_codes: list[int], backoff_limit: int) -> list[str]:
    """A Job's conditions once its pods (restartPolicy: Never, one at a time) exited with these codes:
    Complete on a zero exit, Failed once more pods failed than backoffLimit (kubernetes.io, Job,
    "Pod backoff failure policy")."""
    for failures, code in enumerate(exit_codes, start=1):
        if code == 0:
            return ["Complete"]
        if failures > backoff_limit:
            return ["Failed"]
    return []


def metric_phase(metric: K8sObject, measurements: list[str]) -> str:
    """A metric's phase from its measurements' phases, in order, for metrics without
    consecutiveSuccessLimit or dryRun (analysis/analysis.go:580-687; the count from
    Metric.EffectiveCount, pkg/apis/rollouts/v1alpha1/analysis_types.go:159-169)."""
    if not measurements:
        return "Pending"
    if measurements[-1] in ("Pending", "Running"):
        return "Running"
    phase = ""
    if metric.get("failureLimit", 0) >= 0 and measurements.count("Failed") > metric.get("failureLimit", 0):
        phase = "Failed"
    if measurements.count("Inconclusive") > metric.get("inconclusiveLimit", 0):
        phase = "Inconclusive"
    errors_in_a_row = next(
        (index for index, phase in enumerate(reversed(measurements)) if phase != "Error"), len(measurements)
    )
    if errors_in_a_row > metric.get("consecutiveErrorLimit", 4):
        phase = "Error"
    if phase:
        return phase
    # Errors are not counted (analysis.go:385-404).
    count = metric.get("count") or (1 if "interval" not in metric else None)
    done = len([m for m in measurements if m != "Error"])
    return "Successful" if count is not None and done >= count else "Running"
