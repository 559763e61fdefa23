"""Import rules over sqlshell/, read with ``ast`` (nothing is imported): the
graph of module-level imports has no cycle.

What counts is what runs when a module is imported: imports at module level,
including those under ``if``/``try``/``with`` and in class bodies. Imports
under ``if TYPE_CHECKING:`` (annotations only) and imports inside functions
(run at first call, after every module has loaded) do not count."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "sqlshell"

# Cycles present when this test was written and not yet broken, each as its
# sorted module names, with why it is still there. Empty: no cycle is allowed.
# A new cycle fails the test; so does an entry here that is no longer a cycle.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}

Graph = dict[str, set[str]]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level_imports(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level_imports(node.body)


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
    """Module -> the package's modules it imports at module level (importing
    ``a.b.c`` runs ``a`` and ``a.b`` first, so those count too)."""
    files = {_module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    graph: Graph = {}
    for module, path in files.items():
        deps: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _module_level_imports(tree.body):
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


def test_no_import_cycle_in_sqlshell() -> None:
    graph = import_graph(ROOT, PACKAGE)
    assert len(graph) > 50 and "sqlshell.commands.registry" in graph  # it read the package
    found = cycles(graph)
    new = [c for c in found if c not in KNOWN_CYCLES]
    assert not new, "import cycle(s) at module level:\n" + "\n".join(_describe(c, graph) for c in new)
    gone = [c for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"no longer a cycle: remove from KNOWN_CYCLES: {gone}"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_check_finds_a_cycle_and_ignores_what_does_not_run_at_import(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": "import pkg.sub.c\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..a import x\n",  # a -> b -> sub.c -> a
            "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import e\n",
            "e.py": "def f():\n    from pkg import d\n",  # at call time only
            "f.py": "try:\n    from . import g\nexcept ImportError:\n    pass\n",
            "g.py": "class K:\n    from pkg import f\n",  # f -> g -> f
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg.sub.c"] == {"pkg", "pkg.a"}
    assert graph["pkg.d"] == set() and graph["pkg.e"] == set()
    assert cycles(graph) == [("pkg.a", "pkg.b", "pkg.sub.c"), ("pkg.f", "pkg.g")]
