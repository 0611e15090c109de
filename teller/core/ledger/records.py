"""Records that cross the kernel's boundary: what a caller asks to post, what
comes back, why a posting was refused — and :class:`Attachment`, the typed
part of a request that a posting rule reads.

A request is legs plus attachments. The kernel knows legs; each business area
defines the attachments its rules understand (a cash count, a PIN proof, a
freeze to draw on, an account to open) as small frozen dataclasses::

    >>> @dataclass(frozen=True)
    ... class Memo(Attachment, wire_name="example.memo"):
    ...     text: str
    >>> req = EntryRequest(key="T01-000001", branch="0101", teller="T001", terminal="T01",
    ...                    txn_code="10020", step="post",
    ...                    legs=(Leg("01011001000000012", "D", 10000),
    ...                          Leg("01012017000000011", "C", 10000)),
    ...                    attachments=(Memo("找零"),))
    >>> req.total("D") == req.total("C") == 10000, req.one(Memo).text
    (True, '找零')
    >>> Attachment.from_wire({"kind": "example.memo", "text": "x"})
    Memo(text='x')
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

# B ranks higher here; DOMAIN.md §1 (CBUS §4.12) reads A as the higher level.
# Turning it round (levels, thresholds, demo users, texts) is issue 15's; the
# xfail in tests/core/rules/test_authorization_levels.py flips when it lands.
LEVELS = {"A": 1, "B": 2}
A = TypeVar("A", bound="Attachment")


@dataclass(frozen=True)
class Leg:
    """One side of an entry: account, 'D' (借) or 'C' (贷), amount in fen."""

    account: str
    direction: str
    amount: int
    memo: str = ""


@dataclass(frozen=True)
class AuthGrant:
    """A supervisor's approval given on a second sign-on (授权)."""

    supervisor: str
    level: str
    reasons: tuple[str, ...] = ()
    remark: str = ""


class BadAttachment(ValueError):
    """An attachment's wire form does not fit its type (a terminal sent rubbish)."""


class Attachment:
    """Base of what a request carries for a posting rule (附加要素).

    Subclasses are frozen dataclasses named on the wire by ``wire_name``
    (``class CashCount(Attachment, wire_name="cash.count")``). Class options:

    - ``secret`` — never written ahead nor hashed into the request digest (a
      PIN block: a resend without it is refused, never bypassed);
    - ``purpose`` — what the posting *is* for rules of other areas
      (``judicial_deduction`` may pass a freeze); the attachment's own rule
      proves it, so a terminal cannot claim a purpose it cannot back.
    """

    wire_name: ClassVar[str] = ""
    secret: ClassVar[bool] = False
    purpose: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type["Attachment"]]] = {}

    def __init_subclass__(cls, *, wire_name: str = "", secret: bool = False,
                          purpose: str = "", **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if wire_name:
            if wire_name in Attachment._registry:
                raise TypeError(f"attachment {wire_name} is defined twice")
            cls.wire_name, cls.secret, cls.purpose = wire_name, secret, purpose
            Attachment._registry[wire_name] = cls

    def to_wire(self) -> dict:
        """JSON form: ``{"kind": wire_name, field: value, ...}``."""
        return {"kind": self.wire_name,
                **{f.name: _to_json(getattr(self, f.name)) for f in dataclasses.fields(self)}}

    @staticmethod
    def from_wire(data: Any) -> "Attachment":
        """The attachment a wire dict names; :class:`BadAttachment` if it fits no type."""
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise BadAttachment("an attachment is an object with a kind")
        cls = Attachment._registry.get(data["kind"])
        if cls is None:
            raise BadAttachment(f"unknown attachment {data['kind'][:40]!r}")
        return cls.decode(data)

    @classmethod
    def decode(cls, data: dict) -> "Attachment":
        """Build from the wire form, every field checked against its type (an
        attachment holding something else overrides this and :meth:`to_wire`)."""
        hints = typing.get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                values[f.name] = _from_json(data[f.name], hints[f.name], f.name)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise BadAttachment(f"{cls.wire_name}: {f.name} is missing")
        extra = set(data) - {"kind"} - {f.name for f in dataclasses.fields(cls)}
        if extra:
            raise BadAttachment(f"{cls.wire_name}: unknown fields {sorted(extra)[:3]}")
        return cls(**values)


def _to_json(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _from_json(value: Any, hint: Any, name: str) -> Any:
    """``value`` as type ``hint``: str, int, bool, date, ``X | None``, ``tuple[X, ...]``,
    fixed tuples and nested frozen dataclasses — nothing else crosses the wire."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _from_json(value, inner[0], name)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise BadAttachment(f"{name} must be a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_json(v, args[0], name) for v in value)
        if len(value) != len(args):
            raise BadAttachment(f"{name} has the wrong length")
        return tuple(_from_json(v, a, name) for v, a in zip(value, args))
    if hint is bool:
        if not isinstance(value, bool):
            raise BadAttachment(f"{name} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadAttachment(f"{name} must be a whole number")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise BadAttachment(f"{name} must be text")
        return value
    if hint is dt.date:
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise BadAttachment(f"{name} must be a date YYYY-MM-DD") from None
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise BadAttachment(f"{name} must be an object")
        hints = typing.get_type_hints(hint)
        try:
            return hint(**{k: _from_json(v, hints[k], k) for k, v in value.items()})
        except KeyError as exc:
            raise BadAttachment(f"{name}: unknown field {exc}") from None
        except TypeError as exc:
            raise BadAttachment(f"{name}: {exc}") from None
    raise BadAttachment(f"{name}: {hint} cannot cross the wire")


@dataclass(frozen=True)
class EntryRequest:
    """One commit step to post. ``key`` is made by the client (terminal + local
    sequence, or a UUID) and makes the request idempotent; ``attachments`` are
    what the posting rules of the areas read (see :class:`Attachment`)."""

    key: str
    branch: str
    teller: str
    terminal: str
    txn_code: str
    step: str
    legs: tuple[Leg, ...] = ()
    memo: str = ""
    reversible: bool = True
    offline: bool = False
    required_level: str | None = None
    authorization: AuthGrant | None = None
    reverses_entry_id: int | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def purpose(self) -> str:
        """What the posting is for the rules: an attachment's purpose, else 'normal'."""
        return next((a.purpose for a in self.attachments if a.purpose), "normal")

    def total(self, direction: str) -> int:
        return sum(leg.amount for leg in self.legs if leg.direction == direction)

    def all(self, kind: type[A]) -> tuple[A, ...]:
        return tuple(a for a in self.attachments if isinstance(a, kind))

    def one(self, kind: type[A]) -> A | None:
        return next((a for a in self.attachments if isinstance(a, kind)), None)


def format_journal_number(business_date: dt.date, teller: str, sequence: int) -> str:
    """流水号 as printed and searched: business date, teller, sequence of the day."""
    return f"{business_date:%Y%m%d}{teller}{sequence:06d}"


def parse_journal_number(text: str) -> tuple[dt.date, str, int] | None:
    """(business date, teller, sequence) of a 流水号, or None when it is not one:
    ``parse_journal_number("20261123T001000007")`` → ``(date(2026, 11, 23), 'T001', 7)``."""
    jn = (text or "").strip()
    if len(jn) < 15 or not jn[:8].isdigit() or not jn[-6:].isdigit():
        return None
    try:
        day = dt.datetime.strptime(jn[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return day, jn[8:-6], int(jn[-6:])


@dataclass(frozen=True)
class PostedLeg:
    account: str
    direction: str
    amount: int
    balance_after: int


@dataclass(frozen=True)
class PostedEntry:
    """The result of a posting; the same key always yields the same result."""

    entry_id: int
    key: str
    teller: str
    business_date: dt.date
    journal_sequence: int
    created_at: dt.datetime
    txn_code: str
    step: str
    legs: tuple[PostedLeg, ...] = field(default=())
    replayed: bool = False  # True when an earlier attempt had already posted it
    reverses_entry_id: int | None = None
    # Prompts for the teller from rules that let the posting pass (a 'warn'
    # transaction limit, 18101); only on the first result, not on a replay.
    warnings: tuple[str, ...] = ()
    # What the step's rules made and the teller is shown (an incident number, a
    # reserved account number): (name, value), replayed with the entry.
    facts: tuple[tuple[str, str], ...] = ()

    def fact(self, name: str) -> str | None:
        return next((v for k, v in self.facts if k == name), None)

    @property
    def journal_number(self) -> str:
        """流水号 as printed: business date, teller, sequence of the day."""
        return format_journal_number(self.business_date, self.teller, self.journal_sequence)

    def balance_of(self, account: str) -> int | None:
        found = [leg.balance_after for leg in self.legs if leg.account == account]
        return found[-1] if found else None


class PostingRefused(Exception):
    """A business rule refused the posting; nothing was written.

    ``code`` is stable for programs; ``message`` is for the teller (zh_CN).
    ``level`` set means the rule would pass with a supervisor's authorization of
    that level (e.g. an account's transaction limit, 18101): the flow asks for
    it and tries again. ``aftermath(conn)`` is what must stay recorded although
    the posting is not (a wrong PIN counts towards the lock-out): the kernel
    runs it in a transaction of its own after the posting's rolled back.
    """

    def __init__(self, code: str, message: str, message_en: str = "", *,
                 account: str | None = None, level: str | None = None,
                 aftermath: typing.Callable[[Any], None] | None = None) -> None:
        self.code = code
        self.message = message
        self.message_en = message_en or message
        self.account = account
        self.level = level
        self.aftermath = aftermath
        super().__init__(f"{code}: {message}")
