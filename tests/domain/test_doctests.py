"""Each domain module's docstring examples are executed, so they cannot rot."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

import teller.domain

DOMAIN_DIR = Path(teller.domain.__file__).parent
MODULES = sorted(p.stem for p in DOMAIN_DIR.glob("*.py") if p.stem != "__init__")
OWN_MODULES = ["calendar", "identity", "interest", "money", "problems"]


def test_own_modules_are_present() -> None:
    assert set(OWN_MODULES) <= set(MODULES)


@pytest.mark.parametrize("name", OWN_MODULES)
def test_module_doctests_pass(name: str) -> None:
    module = importlib.import_module(f"teller.domain.{name}")
    # GIVEN a worked example in the docstring WHEN run THEN every example holds
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3, f"{name} has too few worked examples"
    assert result.failed == 0


# The domain layer must stay pure: no database, GUI, devices, network or clock.
FORBIDDEN_ROOTS = {
    "sqlalchemy", "PySide6", "serial", "smartcard", "escpos", "socket", "requests",
    "sqlite3", "psycopg", "os", "subprocess", "time", "threading", "random",
}


@pytest.mark.parametrize("name", MODULES)
def test_domain_module_imports_are_pure(name: str) -> None:
    source = (DOMAIN_DIR / f"{name}.py").read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module)
    roots = {m.split(".")[0] for m in imported}
    assert not roots & FORBIDDEN_ROOTS
    # Inside the project, the domain may only lean on itself.
    assert all(m.startswith("teller.domain") for m in imported if m.split(".")[0] == "teller")
    # Business dates are passed in; the domain never asks the wall clock.
    assert ".today()" not in source and ".now(" not in source
