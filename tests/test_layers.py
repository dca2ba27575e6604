"""The areas import one way: few first-party imports hide inside functions, and no import cycle joins two areas.

Run as a script (`python -m tests.test_layers`) to print the function-level imports and the area graph's cycles.
"""

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("webapp", "jobs")
FIRST_PARTY = ("webapp", "jobs")
MOST_IMPORTS_IN_FUNCTIONS = 30
LARGEST_CYCLE = 1  # no cycle between areas at all: the import graph points one way


def python_files() -> Iterator[Path]:
    """Every module of the app and its jobs."""
    for folder in FOLDERS:
        yield from sorted((ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    """`webapp/alerts/outbox.py` → `webapp.alerts.outbox`; a package's `__init__.py` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def area_of(module: str) -> str:
    """The area a module belongs to: `webapp.<package or top-level module>`, `webapp` (the factory) or `jobs`."""
    parts = module.split(".")
    if parts[0] == "jobs" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def is_type_checking(node: ast.If) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): imports for annotations only, never run."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import that runs, with whether it sits inside a function (imports under TYPE_CHECKING never run)."""

    def visit(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child):
                yield from (pair for part in child.orelse for pair in visit_one(part, in_function))
                continue
            yield from visit_one(child, in_function)

    def visit_one(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        else:
            yield from visit(node, in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))

    yield from visit(tree, False)


def imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The first-party modules an import names (`from webapp import hx` names `webapp.hx` when that is a module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level or not node.module:
        names = []
    else:
        names = []
        for alias in node.names:
            candidate = f"{node.module}.{alias.name}"
            as_path = ROOT.joinpath(*candidate.split("."))
            is_module = as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists()
            names.append(candidate if is_module else node.module)
    return [name for name in names if name.split(".")[0] in FIRST_PARTY]


def has_why(lines: list[str], node: ast.Import | ast.ImportFrom) -> bool:
    """A comment on the import's lines, or on the line right above it."""
    start, end = node.lineno, node.end_lineno or node.lineno
    if any("#" in line for line in lines[start - 1 : end]):
        return True
    return start >= 2 and lines[start - 2].strip().startswith("#")


def function_level_imports() -> list[tuple[str, int, bool]]:
    """(file, line, has a why comment) for each first-party import inside a function."""
    found = []
    for path in python_files():
        text = path.read_text()
        lines = text.splitlines()
        for node, in_function in imports(ast.parse(text)):
            if in_function and imported_modules(node):
                found.append((str(path.relative_to(ROOT)), node.lineno, has_why(lines, node)))
    return found


def area_graph() -> dict[str, set[str]]:
    """Area → the areas its modules import at module level."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in python_files():
        source = area_of(module_name(path))
        graph[source]
        for node, in_function in imports(ast.parse(path.read_text())):
            if in_function:
                continue
            for target in imported_modules(node):
                if area_of(target) != source:
                    graph[source].add(area_of(target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one area (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_few_first_party_imports_inside_functions() -> None:
    found = function_level_imports()
    assert len(found) <= MOST_IMPORTS_IN_FUNCTIONS, [f"{path}:{line}" for path, line, _ in found]


def test_every_import_inside_a_function_says_why() -> None:
    unexplained = [f"{path}:{line}" for path, line, why in function_level_imports() if not why]
    assert not unexplained


def test_no_import_cycle_joins_areas() -> None:
    large = [component for component in cycles(area_graph()) if len(component) > LARGEST_CYCLE]
    assert not large


def test_the_cycle_finder_finds_a_knot() -> None:
    knot = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"f"}, "f": {"e"}}
    assert sorted(cycles(knot)) == [["a", "b", "c"], ["e", "f"]]


def test_a_hidden_import_is_counted_and_a_type_checking_one_is_not() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from webapp import models\n"
        "def f():\n    from webapp.alerts import outbox\n"
    )
    assert [(type(node).__name__, inside) for node, inside in imports(tree)] == [
        ("ImportFrom", False),
        ("ImportFrom", True),
    ]


if __name__ == "__main__":
    hidden = function_level_imports()
    for path, line, why in hidden:
        print(f"{path}:{line}{'' if why else '  (no why)'}")
    print(f"{len(hidden)} first-party imports inside functions (at most {MOST_IMPORTS_IN_FUNCTIONS})")
    for component in cycles(area_graph()):
        print("cycle:", " ".join(component))
