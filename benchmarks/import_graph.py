"""The package's import graph: modules, arrows, circles and floors.

Every ``import`` of a balletmirror module by another counts as an arrow, those inside
functions too (a lazy import still ties the two); imports under ``if TYPE_CHECKING:``
do not (they never run), nor do the string targets of the reader and pose-backend
registries.  A circle is a set of modules that import each other (a strongly connected
component of more than one); the floors are the modules on the longest chain of
imports.  tests/test_layers.py holds the package to its layers with the same graph.

    .venv/bin/python benchmarks/import_graph.py [SRC] [--arrows]
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def modules(src: Path = SRC) -> dict[str, Path]:
    """Module name -> file, for every module of the balletmirror package under ``src``."""
    out = {}
    for f in sorted((src / "balletmirror").rglob("*.py")):
        parts = f.relative_to(src).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST):
    """Every Import and ImportFrom node, those under ``if TYPE_CHECKING:`` left out."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(name: str, node: ast.AST, package: bool, found: dict) -> list[str]:
    """The modules an import statement of module ``name`` loads: ``from P import m`` of
    a submodule ``m`` is an arrow to ``P.m`` (its package is loaded already: it is a
    parent), of a name defined in ``P`` an arrow to ``P``."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = name.split(".") if package else name.split(".")[:-1]
    if node.level:
        base = base[:len(base) - (node.level - 1)]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    subs = [f"{stem}.{a.name}" for a in node.names]
    return [m for m in subs if m in found] + ([stem] if any(m not in found for m in subs)
                                             else [])


def arrows(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the balletmirror modules it imports."""
    found = modules(src)
    out: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _imports(tree):
            for target in _targets(name, node, path.name == "__init__.py", found):
                parts = target.split(".")
                while parts and ".".join(parts) not in found:  # a name inside a module
                    parts.pop()
                if parts and parts[0] == "balletmirror" and ".".join(parts) != name:
                    out[name].add(".".join(parts))
    return out


def _component(stack: list[str], on: set[str], root: str) -> list[str]:
    """Pop Tarjan's stack down to ``root``: one strongly connected component."""
    comp = []
    while True:
        w = stack.pop()
        on.discard(w)
        comp.append(w)
        if w == root:
            return comp


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v] and len(comp := _component(stack, on, v)) > 1:
            out.append(sorted(comp))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in graph:
        if v not in index:
            visit(v)
    return out


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each module's floor: 1 + the highest floor it imports (a circle counts as one
    floor, its modules taken together)."""
    member = {v: i for i, c in enumerate(circles(graph)) for v in c}

    @cache
    def floor(v: str) -> int:
        group = [w for w in graph if member.get(w, w) == member.get(v, v)] if v in member \
            else [v]
        below = {w for u in group for w in graph[u]} - set(group)
        return 1 + max((floor(w) for w in below), default=0)

    return {v: floor(v) for v in graph}


def longest_chain(graph: dict[str, set[str]]) -> list[str]:
    """One chain of imports through every floor, from the top."""
    level = floors(graph)
    v = max(level, key=lambda m: (level[m], m))
    chain = [v]
    while (v := max((w for w in graph[v] if level[w] < level[v]),
                    key=lambda m: (level[m], m), default=None)) is not None:
        chain.append(v)
    return chain


def main(argv: list[str]) -> int:
    src = Path(next((a for a in argv if not a.startswith("--")), SRC))
    graph = arrows(src)
    level = floors(graph)
    print(f"modules {len(graph)}, arrows {sum(map(len, graph.values()))}, "
          f"circles {len(circles(graph))}, floors {max(level.values())}")
    for c in circles(graph):
        print("  circle: " + " <-> ".join(c))
    print("longest chain: " + " -> ".join(longest_chain(graph)))
    if "--arrows" in argv:
        for v in sorted(graph, key=lambda m: (level[m], m)):
            print(f"{level[v]:3d} {v} -> {', '.join(sorted(graph[v]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
