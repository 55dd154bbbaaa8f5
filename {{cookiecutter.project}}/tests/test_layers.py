"""The package's import graph: no module reaches itself back through others, in the whole package and so
in every wing, and an upward import fails `make check`'s layer contract with a line that names it."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import {{ cookiecutter.package }}

from . import PROJECT_DIR

PACKAGE = {{ cookiecutter.package }}.__name__
PACKAGE_DIR = Path({{ cookiecutter.package }}.__file__).parent


def import_cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = lowest[root] = len(index)
        stack.append(root)
        while work:
            module, imported = work[-1]
            for target in imported:
                if target not in index:
                    index[target] = lowest[target] = len(index)
                    stack.append(target)
                    work.append((target, iter(sorted(graph.find_modules_directly_imported_by(target)))))
                    break
                if target in stack:
                    lowest[module] = min(lowest[module], index[target])
            else:
                work.pop()
                if work:
                    lowest[work[-1][0]] = min(lowest[work[-1][0]], lowest[module])
                if lowest[module] == index[module]:
                    component = {stack.pop()}
                    while module not in component:
                        component.add(stack.pop())
                    if len(component) > 1:
                        cycles.append(component)
    return cycles


def test_no_module_imports_itself_back_through_others() -> None:
    assert import_cycles(grimp.build_graph(PACKAGE)) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "a.w")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [{"a.x", "a.y", "a.z"}]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "wrong_import", "message"),
    [
        ("runtime/columns.py", "from ..serving import app", f"{PACKAGE}.runtime is not allowed to import"),
        ("batch/io.py", "from ..serving import app", f"{PACKAGE}.batch is not allowed to import"),
        (
            "delivery/environments.py",
            "from . import render",
            f"{PACKAGE}.delivery.environments is not allowed to import",
        ),
    ],
    ids=["runtime-to-serving", "batch-to-serving", "delivery-step-upward"],
)
def test_an_upward_import_fails_the_contract_naming_the_line(
    tmp_path: Path, module: str, wrong_import: str, message: str
) -> None:
    """The contract run on a copy of the package with one wrong import added, as a developer would."""
    copy = tmp_path / PACKAGE
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / module).open("a") as source:
        source.write(f"\n{wrong_import}  # noqa: E402, F401\n")
    shutil.copy(PROJECT_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout
    imported = module.removesuffix(".py").replace("/", ".")
    assert f"{PACKAGE}.{imported} -> " in result.stdout
