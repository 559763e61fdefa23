"""Import rules over sqlshell/, read with ``ast`` (nothing is imported): no
import cycle, and no import from a higher layer.

Every import counts: at module level, inside functions (run at first call)
and under ``if TYPE_CHECKING:`` (an annotation is a dependency too). Importing
``a.b.c`` runs ``a`` and ``a.b`` first, so those count as well.

The layers, lowest first (``LAYERS``); a module may import its own layer or a
lower one, never a higher one:

1. foundation: pure helpers with no database, no shell and no I/O policy:
   errors (every exception that crosses layers), results (``Outcome``),
   exitstatus, paths, urls, debuglog, cancel, driverconn, the COPY codec
   ``copyformat/``, the SQL text package ``sqltext/``, ``conditionals``
   (psql's ``\\if`` stack and boolean words: pure text rules, kept by the
   shell, read by ``\\pset``, applied by the pipeline).
2. output: rendering and streams (``output/``), the user's typed values
   (values_input) and the pager (``interactive.pager``: a stream, no prompt).
   Below the database and the executors: they echo SQL and turn driver
   values into text through it (``output.echo``, ``output.values``).
3. settings: settings and config (the config file validates formats with the
   renderer, so output is below).
4. database: the engine and its pool events (``database``, and
   ``observe.poolwatch``, whose pool-connect listener Database installs).
5. executors: the three modes' executors (``executors/``).
6. observe: what the inspection commands read (``observe/``); they take a
   ``ShellView`` (``observe/view.py``, protocols the Shell matches by its
   shape), never the Shell itself; ``\\pool``'s rows take the engine and who
   holds which connection.
7. state: the Shell, and ``openwork`` (what happens to open work at the end
   of input, on quit, a mode switch or ``\\connect``: the shell asks it).
8. commands: the meta-commands; they return ``Outcome`` s (statements to run
   included) and never call the pipeline. ``commands.all.build_registry``
   imports every command module; the registry module imports none.
9. running: dispatch, querysend (its senders take the pipeline as a
   ``Runner`` protocol) and the pipeline.
10. front: the REPL (``interactive/``), the CLI (cli, cliopts, and
    scriptrun, which feeds the options' scripts to the pipeline) and
    ``__main__``: they build the registry and the Shell and hand them in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "sqlshell"

# Lowest first. A name is a module (relative to the package) or ``pkg.*`` for a
# package and everything under it; an exact name wins over a ``.*`` pattern.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "",  # the package itself: __version__ only
            "interactive",  # empty package markers: some of their modules sit low
            "observe",
            "errors",
            "results",
            "exitstatus",
            "paths",
            "urls",
            "debuglog",
            "cancel",
            "driverconn",
            "copyformat.*",
            "sqltext.*",
            "conditionals",
        ),
    ),
    ("output", ("output.*", "values_input", "interactive.pager")),
    ("settings", ("settings", "config")),
    ("database", ("database", "observe.poolwatch")),
    ("executors", ("executors.*",)),
    ("observe", ("observe.*",)),
    ("state", ("state", "openwork")),
    ("commands", ("commands.*",)),
    ("running", ("dispatch", "querysend", "pipeline")),
    ("front", ("interactive.*", "cli", "cliopts", "scriptrun", "__main__")),
]

Graph = dict[str, set[str]]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of the module, wherever it is: module level,
    functions, classes, ``if TYPE_CHECKING:`` blocks."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import may load: ``from a import b`` loads ``a``, and
    ``a.b`` when ``b`` is a submodule; a relative import is made absolute."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        here = module.split(".") if is_package else module.split(".")[:-1]
        here = here[: len(here) - (node.level - 1)]
        base = ".".join([*here, *([node.module] if node.module else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(root: Path, package: str) -> Graph:
    """Module -> the package's modules it imports, anywhere in its text."""
    files = {_module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    graph: Graph = {}
    for module, path in files.items():
        deps: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            for target in _targets(node, module, path.name == "__init__.py"):
                parts = target.split(".")
                deps.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in files)
        deps.discard(module)
        graph[module] = deps
    return graph


def cycles(graph: Graph) -> list[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan,
    iterative): each is one or more import cycles, named by its modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(tuple(sorted(component)))
    return sorted(found)


def _describe(component: tuple[str, ...], graph: Graph) -> str:
    edges = [f"  {m} -> {', '.join(sorted(graph[m] & set(component)))}" for m in component]
    return f"cycle among {len(component)} modules:\n" + "\n".join(edges)


def layer_of(module: str, package: str, layers: list[tuple[str, tuple[str, ...]]]) -> int | None:
    """The index of ``module``'s layer: its exact name first, else the longest
    ``pkg.*`` pattern that holds it; None when no layer names it."""
    name = module.removeprefix(package).removeprefix(".")
    best: tuple[int, int] | None = None  # (length of the pattern's package, layer)
    for i, (_, names) in enumerate(layers):
        for pattern in names:
            if pattern == name:
                return i
            if pattern.endswith(".*"):
                base = pattern[:-2]
                if (name == base or name.startswith(base + ".")) and (best is None or len(base) > best[0]):
                    best = (len(base), i)
    return best[1] if best is not None else None


def upward_imports(graph: Graph, package: str, layers: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Each import of a module from a higher layer, as a line to read; and each
    module no layer names."""
    found: list[str] = []
    for module in sorted(graph):
        mine = layer_of(module, package, layers)
        if mine is None:
            found.append(f"{module}: in no layer (add it to LAYERS)")
            continue
        for dep in sorted(graph[module]):
            theirs = layer_of(dep, package, layers)
            if theirs is not None and theirs > mine:
                found.append(f"{module} ({layers[mine][0]}) imports {dep} ({layers[theirs][0]})")
    return found


def test_no_import_cycle_in_sqlshell() -> None:
    graph = import_graph(ROOT, PACKAGE)
    assert len(graph) > 50 and "sqlshell.commands.registry" in graph  # it read the package
    found = cycles(graph)
    assert not found, "import cycle(s):\n" + "\n".join(_describe(c, graph) for c in found)


def test_no_module_imports_a_higher_layer() -> None:
    graph = import_graph(ROOT, PACKAGE)
    found = upward_imports(graph, PACKAGE, LAYERS)
    assert not found, "imports against the layers (lowest first: {}):\n  {}".format(
        " -> ".join(name for name, _ in LAYERS), "\n  ".join(found)
    )


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_check_finds_a_cycle_through_any_import(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": "import pkg.sub.c\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..a import x\n",  # a -> b -> sub.c -> a
            "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import e\n",
            "e.py": "def f():\n    from pkg import d\n",  # d -> e -> d: annotations and calls count
            "f.py": "try:\n    from . import g\nexcept ImportError:\n    pass\n",
            "g.py": "class K:\n    from pkg import f\n",  # f -> g -> f
            "h.py": "import os\n",  # nothing of the package
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg.sub.c"] == {"pkg", "pkg.a"}
    assert graph["pkg.d"] == {"pkg", "pkg.e"} and graph["pkg.e"] == {"pkg", "pkg.d"}
    assert graph["pkg.h"] == set()
    assert cycles(graph) == [("pkg.a", "pkg.b", "pkg.sub.c"), ("pkg.d", "pkg.e"), ("pkg.f", "pkg.g")]


def test_the_check_finds_an_upward_import_and_an_unplaced_module(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "def f():\n    from pkg.high import x\n",  # upward, inside a function
            "mid/__init__.py": "",
            "mid/m.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.mid.top import T\n",
            "mid/top.py": "from pkg import low\n",  # downward: allowed
            "high.py": "from pkg.mid import m\n",  # downward: allowed
            "stray.py": "",
        },
    )
    layers = [("low", ("low", "")), ("mid", ("mid.*",)), ("top", ("mid.top",)), ("high", ("high",))]
    graph = import_graph(root, "pkg")
    assert layer_of("pkg.mid.top", "pkg", layers) == 2 and layer_of("pkg.mid", "pkg", layers) == 1
    assert upward_imports(graph, "pkg", layers) == [
        "pkg.low (low) imports pkg.high (high)",
        "pkg.mid.m (mid) imports pkg.mid.top (top)",
        "pkg.stray: in no layer (add it to LAYERS)",
    ]
    assert upward_imports(graph, "pkg", [("all", ("", "low", "mid.*", "high", "stray"))]) == []
