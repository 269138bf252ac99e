"""The package shows the pipeline: each layer imports only the layers under it, no
module imports itself back through others, the chain of imports stays short, and
reading a results document loads nothing but the core."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("import_graph",
                                              REPO / "benchmarks" / "import_graph.py")
import_graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_graph)

#: each layer (the first name under balletmirror) and the layers it may import
ALLOWED = {
    "core": {"core"},
    "io": {"core", "io"},
    "pose": {"core", "io", "pose"},
    "features": {"core", "features"},
    "analysis": {"core", "features", "analysis"},
    "render": {"core", "io", "features", "analysis", "render"},
    "studio": {"core", "io", "features", "studio"},
    "evaluate": {"core", "evaluate"},
    "run": {"core", "io", "analysis", "render", "run"},
    "cli": {"core", "io", "features", "render", "studio", "evaluate", "run", "cli"},
    "__main__": {"cli"},
}
MAX_FLOORS = 8


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "balletmirror"


@pytest.fixture(scope="module")
def graph():
    return import_graph.arrows(REPO / "src")


def test_every_module_imports_only_the_layers_under_it(graph):
    wrong = [(m, t) for m, targets in graph.items() for t in targets
             if layer(m) != "balletmirror" and layer(t) not in ALLOWED[layer(m)]]
    assert wrong == []


def test_no_circle_and_few_floors(graph):
    assert import_graph.circles(graph) == []
    floors = import_graph.floors(graph)
    assert max(floors.values()) <= MAX_FLOORS, import_graph.longest_chain(graph)


def test_the_graph_finds_circles_and_floors():
    g = {"a": {"b"}, "b": {"c"}, "c": {"b", "d"}, "d": set()}
    assert import_graph.circles(g) == [["b", "c"]]
    assert import_graph.floors(g) == {"a": 3, "b": 2, "c": 2, "d": 1}


def _loaded(statement: str) -> list[str]:
    code = (f"import sys; {statement}; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('balletmirror'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return proc.stdout.split()


def test_evaluate_loads_only_the_core():
    loaded = _loaded("import balletmirror.evaluate")
    assert {layer(m) for m in loaded} <= {"balletmirror", "core", "evaluate"}, loaded


def test_the_package_loads_nothing_until_a_name_is_used():
    assert _loaded("import balletmirror") == ["balletmirror"]
    loaded = _loaded("from balletmirror import Step")
    assert {layer(m) for m in loaded} <= {"balletmirror", "core"}, loaded


def test_the_public_api_is_declared_once():
    import balletmirror

    for name in balletmirror.__all__:
        assert getattr(balletmirror, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        balletmirror.nope  # noqa: B018
