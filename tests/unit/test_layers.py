"""The layout of DESIGN.md, checked: no circle between modules, no import up the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "agendasync"

# Lowest first; api and web share a layer and neither imports the other.
LAYERS: list[set[str]] = [
    {"__init__"},
    {"domain"},
    {"sync"},
    {"store"},
    {"simulators"},
    {"sources"},
    {"partners"},
    {"services"},
    {"jobs"},
    {"api", "web"},
    {"server"},
    {"cli"},
    {"__main__"},
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every agendasync module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    )
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("agendasync")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, `level - 1` packages up
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base]).rstrip(".")
            if base.startswith("agendasync"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}
    return {
        name: {target for target in _imports(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(index for index, names in enumerate(LAYERS) if top in names)


def _top(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


GRAPH = _graph()


def test_every_module_has_a_layer() -> None:
    assert [m for m in GRAPH if not any(_top(m) in names for names in LAYERS)] == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_points_up_the_layers(module: str) -> None:
    upward = [
        target
        for target in sorted(GRAPH[module])
        if _layer(target) > _layer(module)
        or (_layer(target) == _layer(module) and _top(target) != _top(module))
    ]
    assert upward == []


def test_no_circle_between_modules() -> None:
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert circles == []
