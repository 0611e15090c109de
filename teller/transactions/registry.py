"""Transaction registry (交易码表): code -> flow, and the menu tree by category.

Adding a transaction is adding one module ``teller/transactions/t<code>_<name>.py``
that defines a :class:`~teller.transactions.flow.Flow` subclass with a ``code``;
:func:`default_registry` discovers every such module.

    reg = default_registry()
    flow, problems = reg.lookup("10020")     # (Flow instance, [])
    reg.lookup("99999")                      # (None, [Problem("code", "交易码 99999 不存在")])
    reg.menu()                               # (MenuCategory(code, name, name_en, items), ...)
    reg.register(MyTestFlow)                 # tests add flows explicitly
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache

from teller.domain.problems import Problem
from teller.transactions.flow import Flow

#: Menu categories in display order: code, zh_CN, English.
CATEGORIES = (
    ("personal", "个人业务", "Personal banking"),
    ("unit", "单位业务", "Corporate banking"),
    ("cash", "现金及凭证", "Cash and vouchers"),
    ("maintenance", "账户维护", "Account maintenance"),
    ("query", "查询", "Enquiries"),
    ("atm", "自助设备", "ATM / CDM"),
    ("general", "综合业务", "General"),
)
_MODULE = re.compile(r"^t\d{5}_\w+$")


@dataclass(frozen=True)
class MenuItem:
    code: str
    title: str
    title_en: str


@dataclass(frozen=True)
class MenuCategory:
    code: str
    name: str
    name_en: str
    items: tuple[MenuItem, ...]


class UnknownTransaction(LookupError):
    pass


class Registry:
    def __init__(self, flows: tuple[type[Flow], ...] = ()) -> None:
        self._flows: dict[str, Flow] = {}
        for cls in flows:
            self.register(cls)

    def register(self, cls: type[Flow]) -> type[Flow]:
        if not re.fullmatch(r"\d{5}", cls.code or ""):
            raise ValueError(f"{cls.__name__}: a transaction code is 5 digits, got {cls.code!r}")
        known = self._flows.get(cls.code)
        if known is not None and type(known) is not cls:
            raise ValueError(f"transaction code {cls.code} registered twice: "
                             f"{type(known).__name__} and {cls.__name__}")
        self._flows[cls.code] = cls()
        return cls

    def copy(self) -> "Registry":
        reg = Registry()
        reg._flows = dict(self._flows)
        return reg

    def lookup(self, code: str) -> tuple[Flow | None, list[Problem]]:
        code = (code or "").strip()
        flow = self._flows.get(code)
        if flow is None:
            return None, [Problem("code", f"交易码 {code} 不存在",
                                  f"Transaction code {code} does not exist")]
        return flow, []

    def get(self, code: str) -> Flow:
        flow, problems = self.lookup(code)
        if flow is None:
            raise UnknownTransaction(problems[0].message)
        return flow

    def __contains__(self, code: str) -> bool:
        return code in self._flows

    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self._flows))

    def flows(self) -> tuple[Flow, ...]:
        return tuple(self._flows[c] for c in self.codes())

    def menu(self) -> tuple[MenuCategory, ...]:
        known = [c[0] for c in CATEGORIES]
        extra = sorted({f.category for f in self._flows.values()} - set(known))
        out = []
        for code, name, name_en in CATEGORIES + tuple((c, c, c) for c in extra):
            items = tuple(MenuItem(f.code, f.title, f.title_en)
                          for f in self.flows() if f.category == code)
            if items:
                out.append(MenuCategory(code, name, name_en, items))
        return tuple(out)


def discover(package: str = "teller.transactions") -> tuple[type[Flow], ...]:
    pkg = importlib.import_module(package)
    found: list[type[Flow]] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not _MODULE.match(info.name):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Flow) and obj.__module__ == module.__name__ and obj.code:
                found.append(obj)
    return tuple(found)


@lru_cache(maxsize=1)
def _default() -> Registry:
    return Registry(discover())


def default_registry() -> Registry:
    """Every flow in ``teller/transactions`` (a fresh copy: callers may add to it)."""
    return _default().copy()
