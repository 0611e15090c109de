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
