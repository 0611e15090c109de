"""Field specs (栏位) of a transaction page — pure data plus a pure ``parse``.

A field says what it collects, never how it is drawn: the Qt wizard host picks a
widget by ``kind``, the headless API feeds plain values.  Every field has

- ``name``                 key in the flow's values (unique within a flow)
- ``label`` / ``label_en`` zh_CN caption / English caption
- ``required``             empty input is a Problem when True
- ``help`` / ``help_en``   optional hint shown under the widget
- ``kind``                 class-level tag: account, amount, choice, text, date,
                           id, pin, denominations
- ``parse(raw) -> (value, [Problem])`` — raw is what a widget or a JSON file
  holds; value is the typed result (``None`` when empty or invalid)
- ``describe() -> dict``   JSON-able description (``teller codes --fields``)

Kinds and their raw → value::

    AccountField   "01012017000000014" | "6217000000000000019" | {"number":..,"source":"card"}
                   -> AccountRef(number, medium 'account'|'card', source)
                   ``sources`` ⊆ (CARD, PASSBOOK, KEYBOARD): where the host may read it from
    AmountField    "1,234.56" | Money  -> Money (never from float or int: a JSON 100 is
                   ambiguous between yuan and fen, so it is refused)
    ChoiceField    one of ``choices`` = ((value, label_zh, label_en), ...) -> str
    TextField      str, at most ``max_len`` characters -> str (stripped)
    DateField      "2026-03-01" | date -> date
    IdField        {"type": "resident_id", "number": ".."} | ("resident_id", "..")
                   -> IdDocument(type, number); resident IDs are fully checked
    PinField       PinBlock from the PIN pad -> PinBlock; anything else is refused:
                   a customer password is never typed on the teller keyboard
    DenominationCountField  {"10000": 3, "5000": 1} (fen -> count) -> DenominationCount

>>> AmountField("amount", "金额", "Amount").parse("1,000.00")
(Money(fen=100000), [])
>>> AmountField("amount", "金额", "Amount").parse("")[1][0].message
'请输入金额'
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from teller.domain.identity import (
    check_account_number, check_card_number, check_resident_id, normalize_resident_id,
)
from teller.domain.money import Money, parse_amount
from teller.domain.pin import PinBlock
from teller.domain.problems import Problem

CARD, PASSBOOK, KEYBOARD = "card", "passbook", "keyboard"

#: Denominations of RMB notes and coins in fen (第五套人民币).
RMB_DENOMINATIONS = (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 2, 1)  # = migration 0011

ID_TYPES = (
    ("resident_id", "居民身份证", "Resident ID card"),
    ("passport", "护照", "Passport"),
    ("hk_macao_permit", "港澳居民来往内地通行证", "Mainland travel permit (HK/Macao)"),
    ("taiwan_permit", "台湾居民来往大陆通行证", "Mainland travel permit (Taiwan)"),
    ("foreign_permanent", "外国人永久居留身份证", "Foreign permanent resident ID"),
)


@dataclass(frozen=True)
class AccountRef:
    """What the teller entered for an account: an account number or a card number,
    and where it came from (读卡/刷折/手工输入)."""

    number: str
    medium: str = "account"  # 'account' | 'card'
    source: str = KEYBOARD


@dataclass(frozen=True)
class IdDocument:
    """证件: type code (see ``ID_TYPES``) and number."""

    type: str
    number: str


@dataclass(frozen=True)
class DenominationCount:
    """券别明细: (denomination fen, count) pairs, largest first."""

    counts: tuple[tuple[int, int], ...]

    @property
    def total_fen(self) -> int:
        return sum(d * n for d, n in self.counts)


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == {}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    label_en: str = ""
    required: bool = True
    help: str = ""
    help_en: str = ""
    kind: ClassVar[str] = "field"

    def parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if _blank(raw):
            if self.required:
                return None, [self.problem(f"请输入{self.label}",
                                           f"{self.label_en or self.name} is required")]
            return None, []
        return self._parse(raw)

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        raise NotImplementedError

    def problem(self, message: str, message_en: str = "") -> Problem:
        return Problem(self.name, message, message_en)

    def describe(self) -> dict:
        return {"name": self.name, "kind": self.kind, "label": self.label,
                "label_en": self.label_en, "required": self.required}


@dataclass(frozen=True)
class AccountField(Field):
    """账号/卡号. ``sources`` tells the host which devices may fill it."""

    sources: tuple[str, ...] = (CARD, PASSBOOK, KEYBOARD)
    kind: ClassVar[str] = "account"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        source = KEYBOARD
        if isinstance(raw, AccountRef):
            raw, source = raw.number, raw.source
        elif isinstance(raw, Mapping):
            raw, source = str(raw.get("number", "")), str(raw.get("source", KEYBOARD))
        if not isinstance(raw, str):
            return None, [self.problem("账号须为数字串", "account must be given as text")]
        if source not in self.sources:
            return None, [self.problem("该栏位不支持此输入方式", f"source {source} not allowed")]
        text = "".join(raw.split())
        if len(text) == 17 and not check_account_number(text, self.name):
            return AccountRef(text, "account", source), []
        if not check_card_number(text, self.name):
            return AccountRef(text, "card", source), []
        if len(text) == 17:
            return None, check_account_number(text, self.name)
        problems = check_card_number(text, self.name)
        return None, [Problem(self.name, p.message.replace("卡号", "账号/卡号"), p.message_en)
                      for p in problems]

    def describe(self) -> dict:
        return {**super().describe(), "sources": list(self.sources)}


@dataclass(frozen=True)
class AmountField(Field):
    """金额 in yuan text, strictly parsed to fen; ``min_fen``/``max_fen`` bound it."""

    min_fen: int = 1
    max_fen: int | None = None
    kind: ClassVar[str] = "amount"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if isinstance(raw, Money):
            money = raw
        elif isinstance(raw, str):
            money, problems = parse_amount(raw, self.name)
            if problems:
                return None, problems
        else:
            return None, [self.problem("金额须以文本输入，如 \"100.00\"",
                                       'amount must be text such as "100.00"')]
        assert money is not None
        if money.fen < self.min_fen:
            return None, [self.problem(f"金额不能小于 {Money(self.min_fen).format()}",
                                       f"amount below {Money(self.min_fen).format()}")]
        if self.max_fen is not None and money.fen > self.max_fen:
            return None, [self.problem(f"金额不能大于 {Money(self.max_fen).format()}",
                                       f"amount above {Money(self.max_fen).format()}")]
        return money, []


@dataclass(frozen=True)
class ChoiceField(Field):
    """下拉选择. ``choices`` = ((value, label_zh, label_en), ...)."""

    choices: tuple[tuple[str, str, str], ...] = ()
    default: str | None = None
    kind: ClassVar[str] = "choice"

    def parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if _blank(raw) and self.default is not None:
            raw = self.default
        return super().parse(raw)

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        values = [c[0] for c in self.choices]
        if raw not in values:
            return None, [self.problem(f"{self.label}须为：" + "、".join(c[1] for c in self.choices),
                                       f"{self.label_en or self.name} must be one of "
                                       + ", ".join(values))]
        return raw, []

    def label_of(self, value: str) -> str:
        return next((c[1] for c in self.choices if c[0] == value), value)

    def describe(self) -> dict:
        return {**super().describe(), "default": self.default,
                "choices": [list(c) for c in self.choices]}


@dataclass(frozen=True)
class TextField(Field):
    """文本 of at most ``max_len`` characters."""

    max_len: int = 60
    kind: ClassVar[str] = "text"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if not isinstance(raw, str):
            return None, [self.problem(f"{self.label}须为文本", "must be text")]
        text = raw.strip()
        if len(text) > self.max_len:
            return None, [self.problem(f"{self.label}不能超过{self.max_len}个字",
                                       f"at most {self.max_len} characters")]
        return text, []

    def describe(self) -> dict:
        return {**super().describe(), "max_len": self.max_len}


@dataclass(frozen=True)
class DateField(Field):
    """日期 as ISO text (2026-03-01) or a date."""

    kind: ClassVar[str] = "date"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw, []
        try:
            return dt.date.fromisoformat(str(raw).strip()), []
        except ValueError:
            return None, [self.problem("日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")]


@dataclass(frozen=True)
class IdField(Field):
    """证件类型 + 证件号码; an 18-digit resident ID is checked (GB 11643)."""

    id_types: tuple[tuple[str, str, str], ...] = ID_TYPES
    kind: ClassVar[str] = "id"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if isinstance(raw, IdDocument):
            id_type, number = raw.type, raw.number
        elif isinstance(raw, Mapping):
            id_type, number = raw.get("type", ""), raw.get("number", "")
        elif isinstance(raw, (tuple, list)) and len(raw) == 2:
            id_type, number = raw
        else:
            return None, [self.problem("请输入证件类型和证件号码", "ID type and number required")]
        if id_type not in [t[0] for t in self.id_types]:
            return None, [self.problem("证件类型不正确", "unknown ID type")]
        if not isinstance(number, str) or not number.strip():
            return None, [self.problem("请输入证件号码", "ID number is required")]
        if id_type == "resident_id":
            problems = check_resident_id(number, field=self.name)
            if problems:
                return None, problems
            return IdDocument(id_type, normalize_resident_id(number)), []
        return IdDocument(id_type, number.strip().upper()), []

    def describe(self) -> dict:
        return {**super().describe(), "choices": [list(t) for t in self.id_types]}


@dataclass(frozen=True)
class PinField(Field):
    """客户密码 — only an encrypted PIN block from the PIN pad is accepted, and it is
    never stored with a flow's saved values. ``bind_to``: names of state values
    (fields or learned), first non-empty wins, whose number the PIN pad binds the
    block to (e.g. a new card's number); empty = the page's account."""

    bind_to: tuple[str, ...] = ()
    kind: ClassVar[str] = "pin"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if isinstance(raw, PinBlock):
            return raw, []
        return None, [self.problem("客户密码须由客户在密码键盘上输入",
                                   "The customer's password must come from the PIN pad")]


@dataclass(frozen=True)
class SecretField(Field):
    """A second operator's password typed at the counter (e.g. 尾箱交接): masked
    on screen and, like a PIN, never kept with a run's saved values."""

    kind: ClassVar[str] = "secret"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if not isinstance(raw, str):
            return None, [self.problem(f"{self.label}须为文本", "must be text")]
        return raw, []


@dataclass(frozen=True)
class DenominationCountField(Field):
    """券别明细: how many of each note/coin; keys are denominations in fen."""

    denominations: tuple[int, ...] = RMB_DENOMINATIONS
    kind: ClassVar[str] = "denominations"

    def _parse(self, raw: Any) -> tuple[Any, list[Problem]]:
        if isinstance(raw, DenominationCount):
            raw = {str(d): n for d, n in raw.counts}
        if not isinstance(raw, Mapping):
            return None, [self.problem("券别明细格式不正确", "denomination counts must be a mapping")]
        counts: dict[int, int] = {}
        for key, count in raw.items():
            try:
                denom = int(key)
            except (TypeError, ValueError):
                denom = -1
            if denom not in self.denominations:
                return None, [self.problem(f"券别 {key} 不正确", f"unknown denomination {key}")]
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                return None, [self.problem("张数须为非负整数", "counts must be whole numbers")]
            if count:
                counts[denom] = counts.get(denom, 0) + count
        return DenominationCount(tuple(sorted(counts.items(), reverse=True))), []

    def describe(self) -> dict:
        return {**super().describe(), "denominations": list(self.denominations)}
