"""The layer rules of DESIGN.md, enforced by scanning every import in teller/.

Qt (PySide6) only in teller/forms/ and teller/app.py; SQLAlchemy (and Alembic)
only in teller/core/ and teller/sync/; and imports point down only:
domain ← core/sync/devices/printing ← transactions ← api/cli ← forms/app.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "teller"

# What each layer may import from inside the package ("teller.<top>").
ALLOWED = {
    "domain": {"domain"},
    "core": {"domain", "core"},
    "sync": {"domain", "core", "sync"},
    "devices": {"domain", "devices"},
    "printing": {"domain", "printing"},
    "transactions": {"domain", "core", "sync", "devices", "printing", "transactions"},
    "api": {"domain", "core", "sync", "devices", "printing", "transactions", "config", "api"},
    "cli": {"domain", "core", "sync", "devices", "printing", "transactions", "config", "api",
            "cli"},
    "config": {"config"},
    "forms": {"domain", "transactions", "api", "config", "forms", "devices", "printing"},
    "__main__": {"cli", "app", "__main__"},
    "app": {"domain", "core", "sync", "devices", "printing", "transactions", "api", "config",
            "forms", "cli", "app"},
}
QT_OK = {"forms", "app"}
SQL_OK = {"core", "sync"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py") if rel.parts[0] != "__init__.py" else "package"


def imports_of(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


SOURCES = sorted(p for p in ROOT.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_imports_respect_the_layers(path):
    layer = layer_of(path)
    if layer == "package":
        return
    breaches = []
    for line, name in imports_of(path):
        top = name.split(".")[0]
        if top == "PySide6" and layer not in QT_OK:
            breaches.append(f"line {line}: Qt ({name}) outside forms/app")
        if top in ("sqlalchemy", "alembic") and layer not in SQL_OK:
            breaches.append(f"line {line}: SQL ({name}) outside core/sync")
        if top == "teller" and "." in name:
            target = name.split(".")[1]
            if target not in ALLOWED.get(layer, set()):
                breaches.append(f"line {line}: {layer} may not import teller.{target}")
    assert not breaches, "\n".join(breaches)


def test_scanner_sees_a_breach(tmp_path):
    # GIVEN a file that imports Qt — the scanner must report it, or the test above is empty
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtWidgets import QWidget\nimport sqlalchemy\n")
    assert [n for _, n in imports_of(bad)] == ["PySide6.QtWidgets", "sqlalchemy"]
    assert len(SOURCES) > 10


# -- import cycles --------------------------------------------------------------------
# Every import counts, a function's as much as a module's: an import moved into a
# function to dodge a cycle still closes it, and the test says so.


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the package's modules it imports (importing an enclosing package
    is not an edge: Python runs that first anyway)."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[:len(here) - node.level + 1]
                    base = ".".join(here + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_not_even_through_a_function_level_import():
    found = cycles(import_graph(ROOT))
    assert not found, "\n".join(" ↔ ".join(c) for c in found)


def test_the_cycle_finder_sees_a_cycle_hidden_in_a_function(tmp_path):
    # GIVEN a package where b imports a at the top and a imports b inside a function
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg.b import g\n    return g\n")
    (pkg / "b.py").write_text("from . import a\n\ndef g():\n    return a\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    # THEN the finder reports a ↔ b, and c (which only points in) is not part of it
    assert cycles(import_graph(pkg)) == [["pkg.a", "pkg.b"]]


def test_the_ledger_kernel_imports_no_business_area():
    # The kernel (teller/core/ledger) knows entries, accounts and rules in general;
    # every area (cash, controls, loss …) comes to it as a posting rule.
    kernel = ROOT / "core" / "ledger"
    breaches = [f"{path.relative_to(ROOT.parent)} line {line}: {name}"
                for path in sorted(kernel.rglob("*.py"))
                for line, name in imports_of(path)
                if name.startswith("teller.") and not name.startswith(
                    ("teller.core.ledger", "teller.domain"))]
    assert not breaches, "\n".join(breaches)
