"""The share of annotated functions per package: `python scripts/annotations.py` prints it, and exits 1 when a typed
package (TYPED, checked by mypy in `make lint`) falls below 90%.

A function counts as annotated when its return and every parameter but `self`/`cls` carry a type.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPED = ("webapp/alerts", "webapp/pagerduty", "webapp/webhooks", "jobs")
FLOOR = 0.9


def _annotated(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = function.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
    params = [arg for arg in every if arg.arg not in ("self", "cls")]
    return function.returns is not None and all(arg.annotation is not None for arg in params)


def functions(path: Path) -> list[tuple[str, bool]]:
    """(qualified name, annotated) for every function and method defined in one file."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        (f"{path.relative_to(ROOT)}:{node.lineno} {node.name}", _annotated(node))
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def share(package: str) -> tuple[int, int, list[str]]:
    """(annotated, total, names of the unannotated) in one package folder."""
    folder = ROOT / package
    paths = folder.glob("*.py") if package == "webapp" else folder.rglob("*.py")  # webapp: its top-level modules
    found = [item for path in sorted(paths) for item in functions(path)]
    return sum(ok for _, ok in found), len(found), [name for name, ok in found if not ok]


def packages() -> list[str]:
    """Every area of webapp/ (and its top-level modules as one), and jobs/."""
    areas = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "webapp").iterdir() if (p / "__init__.py").exists())
    return ["webapp", *areas, "jobs"]


def main(argv: list[str]) -> int:
    """Print the share per package (`-v`: also the unannotated functions of the typed ones); 1 below the floor."""
    failed = False
    for package in packages():
        done, total, missing = share(package)
        ratio = done / total if total else 1.0
        typed = package in TYPED
        failed |= typed and ratio < FLOOR
        mark = ("ok" if ratio >= FLOOR else "BELOW 90%") if typed else ""
        print(f"{package:28} {done:4}/{total:<4} {ratio:6.1%} {mark}")
        if typed and "-v" in argv:
            print("".join(f"    {name}\n" for name in missing), end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
