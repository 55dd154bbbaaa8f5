"""The optional components (batch, training) as a user enables them, one overlay at a time, and what
their CronJobs run: the image beside the server's, the shards of an Indexed Job, the CLI command."""

import re
from collections.abc import Callable

import pytest

from {{ cookiecutter.package }}.__main__ import build_parser

from .k8s import OVERLAYS, K8sObject, containers, only, render_with_component

# The `--shard I/N` or `--trial I/N` argument of an Indexed Job's pod: its index, of N.
SHARD_ARGUMENT = re.compile(r"\$\(JOB_COMPLETION_INDEX\)/(\d+)")
# What Kubernetes substitutes in a command before the CLI reads it, with sample values.
SAMPLE_VARIABLES = {"$(JOB_COMPLETION_INDEX)": "0", "$(SEARCH_ID)": "uid"}

Objects = Callable[[pytest.FixtureRequest, pytest.TempPathFactory], list[K8sObject]]


def rendered_with(component: str) -> Objects:
    """A module fixture: the objects of each overlay rendered with `component` enabled."""

    @pytest.fixture(scope="module", params=OVERLAYS)
    def objects(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[K8sObject]:
        return render_with_component(request.param, component, tmp_path_factory.mktemp(component))

    return objects


def server_image(objects: list[K8sObject]) -> tuple[str, str]:
    """The server's image name and its pin (digest or tag): a component's image must share the pin."""
    [server] = containers(only(objects, "Deployment"))
    image = str(server["image"])
    name, _, pin = image.partition("@") if "@" in image else image.partition(":")
    return name, pin


def shards_of(command: list[str]) -> int:
    """N of the command's one I/N argument."""
    [shards] = [int(match[1]) for argument in command if (match := SHARD_ARGUMENT.fullmatch(argument))]
    return shards


def handler_of(command: list[str]) -> str:
    """The CLI handler a container's `python -m <package> ...` command runs, its variables filled in."""
    arguments = []
    for argument in command[3:]:
        for variable, value in SAMPLE_VARIABLES.items():
            argument = argument.replace(variable, value)
        arguments.append(argument)
    return str(build_parser().parse_args(arguments).handler.__name__)
