"""No import cycle between OreChain's modules or between its packages.

Walks the AST of every module under ``src/orechain`` (imports inside functions
included: a cycle hidden in a function is still a cycle in the design; imports
under ``if TYPE_CHECKING:`` are left out, they are annotations and never run)
and fails on any strongly connected component larger than one module, at module
level and at package level (``orechain.api``, ``orechain.web``, … collapsed to
one node each).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "orechain"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _target(name: str, modules: dict[str, Path]) -> str | None:
    """The OreChain module an imported dotted name lives in (longest known prefix)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
                continue
            todo.append(child)
    return out


@cache
def module_graph() -> dict[str, set[str]]:
    """Module → the OreChain modules it imports anywhere in its body."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.split(".")[0] != ROOT:
                    continue
                target = _target(name, modules)
                if target is not None and target != mod:
                    graph[mod].add(target)
    return graph


def package_of(module: str) -> str:
    """``orechain.api.routes.atlas`` → ``orechain.api``; top-level modules stay themselves."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph with every subpackage collapsed to one node."""
    out: dict[str, set[str]] = defaultdict(set)
    for mod, targets in graph.items():
        src = package_of(mod)
        out.setdefault(src, set())
        for t in targets:
            if package_of(t) != src:
                out[src].add(package_of(t))
    return dict(out)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_cycles() -> None:
    assert cycles(module_graph()) == []


def test_no_package_cycles() -> None:
    assert cycles(package_graph(module_graph())) == []


def test_detects_a_cycle() -> None:
    """The checker itself finds a planted cycle (else the tests above prove nothing)."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_sees_imports_inside_functions() -> None:
    graph = module_graph()
    # run_document imports the scenario engine only when called
    assert "orechain.scenarios.report" in graph["orechain.services.scenarios"]


FACES = ("orechain.api", "orechain.web", "orechain.cli", "orechain.report", "orechain.server")
DOMAINS = ("orechain.atlas", "orechain.risk", "orechain.scenarios", "orechain.economics",
           "orechain.ledger")  # fmt: skip


def _imports(prefix: str) -> set[tuple[str, str]]:
    graph = module_graph()
    return {(m, t) for m, ts in graph.items() if package_of(m) == prefix for t in ts}


def test_api_and_web_never_import_each_other() -> None:
    assert {(m, t) for m, t in _imports("orechain.api") if package_of(t) == "orechain.web"} == set()
    assert {(m, t) for m, t in _imports("orechain.web") if package_of(t) == "orechain.api"} == set()


def test_cli_imports_no_api_or_web_internals() -> None:
    bad = {(m, t) for m, t in _imports("orechain.cli") if package_of(t) in ("orechain.api",
           "orechain.web")}  # fmt: skip
    assert bad == set()


def test_services_and_domains_import_no_face() -> None:
    for layer in ("orechain.services", *DOMAINS):
        bad = {(m, t) for m, t in _imports(layer) if package_of(t) in FACES}
        assert bad == set(), layer


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for t in graph.get(todo.pop(), ()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def test_scenario_validation_does_not_import_the_solver() -> None:
    reached = _reachable(module_graph(), "orechain.scenarios.spec")
    assert "orechain.scenarios.highs" not in reached
    assert "orechain.scenarios.optimize" not in reached
    assert "orechain.scenarios.optimize_spec" in reached
