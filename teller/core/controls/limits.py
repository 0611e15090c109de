"""Transaction-limit controls (账户交易控制, CBUS 18101): the rules, their pure
evaluation, and the posting engine's hook that applies them.

A rule limits one account's transactions of a category (any | cash | transfer),
direction (any | in | out) and channel (any | counter): single amount min/max,
daily/monthly/quarterly/yearly amount and count, balance floor/ceiling. A
breach does what the rule's ``action`` says: ``reject``, ``auth_a`` / ``auth_b``
(the posting needs that authorization level — surfaced to the flow as an
authorization need), or ``warn`` (posted; an audit event records the warning).

:func:`evaluate` is pure — (account, active controls, rules, usage, movement)
in, a :class:`Verdict` out — so another implementation of the posting engine
(PL/pgSQL) can be tested against it::

    >>> acct = AccountFacts("0101...", "personal_current", balance=100_000)
    >>> rule = Rule("1", single_max=50_000, action="auth_a")
    >>> day = dt.date(2026, 11, 23)
    >>> evaluate(acct, (), (rule,), (), Movement("out", 60_000, "cash", "counter", day)).level
    'A'
    >>> evaluate(acct, (), (rule,), (), Movement("out", 50_000, "cash", "counter", day)).ok
    True

Usage counters are kept per account, business day, direction and category,
only for accounts that have active rules (counting starts when the first rule
is set); a same-day reversal (冲正) takes its original's usage back.
Court and bank deductions (purposes ``judicial_deduction``/``hold_deduction``)
are not the customer's transactions and are not limited.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields, replace
from typing import Iterable

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.common import (
    lock_account, new_incident_number, record_event, record_step_event, require_for,
)
from teller.core.controls.models import ControlEvent, LimitRule, LimitUsage
from teller.core.controls.rules import CASH_KINDS
from teller.core.ledger.db import reader
from teller.core.ledger.models import Account, AuditEvent
from teller.core.ledger.records import LEVELS, Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule

rules_t = LimitRule.__table__
usage_t = LimitUsage.__table__
audit_t = AuditEvent.__table__
accounts_t = Account.__table__
events_t = ControlEvent.__table__
HAS_LIMITS = "has_limit_rules"  # the account column: any rule in force today

ACTIONS = {"reject": None, "auth_a": "A", "auth_b": "B", "warn": None}
CATEGORIES = ("any", "cash", "transfer")
DIRECTIONS = ("any", "in", "out")
CHANNELS = ("any", "counter")
EXEMPT_PURPOSES = frozenset({"judicial_deduction", "hold_deduction"})
LIMIT_FIELDS = ("single_min", "single_max", "daily_amount", "daily_count", "monthly_amount",
                "monthly_count", "quarterly_amount", "quarterly_count", "yearly_amount",
                "yearly_count", "balance_floor", "balance_ceiling")
PERIOD_TEXT = {"daily": ("日", "daily"), "monthly": ("月", "monthly"),
               "quarterly": ("季", "quarterly"), "yearly": ("年", "yearly")}


@dataclass(frozen=True)
class AccountFacts:
    number: str
    kind: str
    balance: int  # before the movement


@dataclass(frozen=True)
class Rule:
    incident_number: str
    category: str = "any"
    direction: str = "any"
    channel: str = "any"
    single_min: int | None = None
    single_max: int | None = None
    daily_amount: int | None = None
    daily_count: int | None = None
    monthly_amount: int | None = None
    monthly_count: int | None = None
    quarterly_amount: int | None = None
    quarterly_count: int | None = None
    yearly_amount: int | None = None
    yearly_count: int | None = None
    balance_floor: int | None = None
    balance_ceiling: int | None = None
    action: str = "reject"

    def applies_to(self, mv: "Movement") -> bool:
        return (self.category in ("any", mv.category) and self.direction in ("any", mv.direction)
                and self.channel in ("any", mv.channel))


@dataclass(frozen=True)
class UsageDay:
    business_date: dt.date
    direction: str
    category: str
    amount: int
    count: int


@dataclass(frozen=True)
class Movement:
    """What one entry does to one account: ``direction`` in/out, ``amount`` fen."""

    direction: str
    amount: int
    category: str
    channel: str
    business_date: dt.date
    purpose: str = "normal"


@dataclass(frozen=True)
class Verdict:
    refusal: tuple[str, str, str] | None = None  # (code, zh, en)
    level: str | None = None                      # authorization needed
    reasons: tuple[tuple[str, str], ...] = ()      # (zh, en) of every breach
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.refusal is None and self.level is None


def period_start(period: str, day: dt.date) -> dt.date:
    if period == "daily":
        return day
    if period == "monthly":
        return day.replace(day=1)
    if period == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def breaches(rule: Rule, usage: Iterable[UsageDay], mv: Movement,
             balance: int) -> list[tuple[str, str]]:
    """(zh, en) of each of ``rule``'s limits that ``mv`` would break."""
    out: list[tuple[str, str]] = []
    if rule.applies_to(mv):
        if rule.single_min is not None and mv.amount < rule.single_min:
            out.append((f"单笔金额低于下限 {_yuan(rule.single_min)}",
                        f"below the single minimum {_yuan(rule.single_min)}"))
        if rule.single_max is not None and mv.amount > rule.single_max:
            out.append((f"单笔金额超过上限 {_yuan(rule.single_max)}",
                        f"above the single maximum {_yuan(rule.single_max)}"))
        rows = [u for u in usage if rule.category in ("any", u.category)
                and rule.direction in ("any", u.direction)]
        for period, (zh, en) in PERIOD_TEXT.items():
            start = period_start(period, mv.business_date)
            inside = [u for u in rows if start <= u.business_date <= mv.business_date]
            cap = getattr(rule, f"{period}_amount")
            if cap is not None and sum(u.amount for u in inside) + mv.amount > cap:
                out.append((f"{zh}累计金额超过 {_yuan(cap)}", f"{en} amount above {_yuan(cap)}"))
            cap = getattr(rule, f"{period}_count")
            if cap is not None and sum(u.count for u in inside) + 1 > cap:
                out.append((f"{zh}累计笔数超过 {cap} 笔", f"{en} count above {cap}"))
    # Balance limits (留存余额控制) hold whatever the category or channel.
    after = balance - mv.amount if mv.direction == "out" else balance + mv.amount
    if rule.balance_floor is not None and mv.direction == "out" and after < rule.balance_floor:
        out.append((f"交易后余额低于留存下限 {_yuan(rule.balance_floor)}",
                    f"balance would fall below {_yuan(rule.balance_floor)}"))
    if rule.balance_ceiling is not None and mv.direction == "in" and after > rule.balance_ceiling:
        out.append((f"交易后余额超过上限 {_yuan(rule.balance_ceiling)}",
                    f"balance would rise above {_yuan(rule.balance_ceiling)}"))
    return out


def evaluate(account: AccountFacts, controls: tuple[tuple[str, int], ...],
             rules: Iterable[Rule], usage: Iterable[UsageDay], mv: Movement) -> Verdict:
    """What the limit rules say about ``mv`` on ``account``: refuse, need an
    authorization level, warn, or pass. The strongest breach wins
    (reject > B > A > warn). ``controls`` are the account's active (kind, amount)."""
    if mv.purpose in EXEMPT_PURPOSES:
        return Verdict()
    usage = tuple(usage)
    refusal = None
    level: str | None = None
    reasons: list[tuple[str, str]] = []
    warnings: list[str] = []
    for rule in rules:
        found = breaches(rule, usage, mv, account.balance)
        if not found:
            continue
        reasons += found
        if rule.action == "reject" and refusal is None:
            zh, en = found[0]
            refusal = ("limit_exceeded", f"超出账户交易控制（{rule.incident_number}）：{zh}",
                       f"Transaction limit {rule.incident_number}: {en}")
        elif rule.action in ("auth_a", "auth_b"):
            need = ACTIONS[rule.action]
            if level is None or LEVELS[need] > LEVELS[level]:
                level = need
        elif rule.action == "warn":
            warnings += [zh for zh, _ in found]
    return Verdict(refusal, None if refusal else level, tuple(reasons), tuple(warnings))


# -- the posting engine's hook -------------------------------------------------
def _rule_of(row) -> Rule:
    return Rule(**{f.name: (getattr(row, f.name)) for f in fields(Rule)})


def active_rules_cond(bdate: dt.date):
    return and_(rules_t.c.status == "active", rules_t.c.starts_on <= bdate,
                or_(rules_t.c.expires_on.is_(None), rules_t.c.expires_on >= bdate))


def movements(p: Posting) -> dict[str, list[Movement]]:
    """Per account, what the entry moves in and out (legs of one side summed)."""
    category = ("cash" if any(mv.account.kind in CASH_KINDS for mv in p.moves) else "transfer")
    totals: dict[tuple[str, str], int] = {}
    for mv in p.moves:
        key = (mv.leg.account, "in" if mv.inflow else "out")
        totals[key] = totals.get(key, 0) + mv.leg.amount
    out: dict[str, list[Movement]] = {}
    for (number, direction), amount in totals.items():
        out.setdefault(number, []).append(
            Movement(direction, amount, category, "counter", p.business_date, p.request.purpose))
    return out


class TransactionLimitsRule(PostingRule):
    """18101 in every posting: with the accounts locked, refuse or demand the
    authorization level the rules ask for, warn, then count the usage; a
    reversal gives its original's usage back. Accounts without rules cost
    nothing (their lock row says so)."""

    name = "controls.limits"

    def account_columns(self, business_date):
        return {HAS_LIMITS: select(rules_t.c.id).where(
            rules_t.c.account_number == accounts_t.c.number,
            active_rules_cond(business_date)).exists()}

    def check(self, p: Posting) -> None:
        numbers = sorted(n for n, a in p.accounts.items() if getattr(a, HAS_LIMITS))
        if not numbers:
            return
        rows = p.conn.execute(select(rules_t).where(rules_t.c.account_number.in_(numbers),
                                                    active_rules_cond(p.business_date))
                              .order_by(rules_t.c.id)).all()
        by_account: dict[str, list[Rule]] = {}
        for r in rows:
            by_account.setdefault(r.account_number, []).append(_rule_of(r))
        moves = movements(p)
        p.notes[self.name] = (by_account, moves)
        if p.is_reversal:
            return
        bdate = p.business_date
        usage_rows = p.conn.execute(select(usage_t).where(
            usage_t.c.account_number.in_(sorted(by_account)),
            usage_t.c.business_date >= period_start("yearly", bdate),
            usage_t.c.business_date <= bdate)).all()
        for number, rules in by_account.items():
            acct = p.accounts[number]
            usage = [UsageDay(u.business_date, u.direction, u.category, int(u.amount),
                              int(u.count)) for u in usage_rows if u.account_number == number]
            for mv in moves.get(number, ()):
                verdict = evaluate(AccountFacts(number, acct.kind, int(acct.balance)),
                                   (), rules, usage, mv)
                if verdict.refusal:
                    code, zh, en = verdict.refusal
                    raise PostingRefused(code, zh, en, account=number)
                if verdict.level:
                    p.require(verdict.level,
                              f"超出账户交易控制，须{verdict.level}级主管授权："
                              + "；".join(dict.fromkeys(zh for zh, _ in verdict.reasons)),
                              f"Above the account's transaction limits: level "
                              f"{verdict.level} authorization")
                for text in verdict.warnings:
                    p.warnings.append(f"账户交易控制提示：{text}")
                    p.conn.execute(insert(audit_t).values(
                        at=p.now, user_code=p.request.teller, terminal_code=p.request.terminal,
                        kind="limit_warning", outcome="warn",
                        detail=json.dumps({"account": number, "key": p.request.key,
                                           "warning": text}, ensure_ascii=False)))

    def write(self, p: Posting) -> None:
        if self.name in p.notes:
            by_account, moves = p.notes[self.name]
            for number in by_account:
                for mv in moves.get(number, ()):
                    _bump(p.conn, number, mv, 1)

    def undo(self, p: Posting) -> None:
        # A reversal gives back its original's usage (same day, sides swapped).
        if self.name in p.notes:
            by_account, moves = p.notes[self.name]
            for number in by_account:
                for mv in moves.get(number, ()):
                    back = "out" if mv.direction == "in" else "in"
                    _bump(p.conn, number, replace(mv, direction=back), -1)


def _bump(conn: Connection, number: str, mv: Movement, sign: int) -> None:
    key = and_(usage_t.c.account_number == number, usage_t.c.business_date == mv.business_date,
               usage_t.c.direction == mv.direction, usage_t.c.category == mv.category)
    row = conn.execute(select(usage_t.c.amount, usage_t.c.count).where(key)).first()
    if row is None:
        if sign > 0:
            conn.execute(insert(usage_t).values(
                account_number=number, business_date=mv.business_date, direction=mv.direction,
                category=mv.category, amount=mv.amount, count=1))
        return
    conn.execute(update(usage_t).where(key).values(
        amount=max(int(row.amount) + sign * mv.amount, 0), count=max(int(row.count) + sign, 0)))


# -- 18101 maintenance -------------------------------------------------------------
@dataclass(frozen=True)
class RuleView:
    rule: Rule
    account: str
    status: str
    starts_on: dt.date
    expires_on: dt.date | None


def _view(row) -> RuleView:
    return RuleView(_rule_of(row), row.account_number, row.status, row.starts_on, row.expires_on)


def rule_problems(values: dict) -> list[tuple[str, str, str]]:
    """(field, zh, en) problems of a rule's settings — shared by flow pages and core."""
    out = []
    if values.get("category", "any") not in CATEGORIES:
        out.append(("category", "交易类别无效", "Invalid category"))
    if values.get("direction", "any") not in DIRECTIONS:
        out.append(("direction", "控制方向无效", "Invalid direction"))
    if values.get("channel", "any") not in CHANNELS:
        out.append(("channel", "控制渠道无效", "Invalid channel"))
    if values.get("action", "reject") not in ACTIONS:
        out.append(("action", "超限控制方式无效", "Invalid action"))
    limits = {k: values.get(k) for k in LIMIT_FIELDS}
    if all(v is None for v in limits.values()):
        out.append(("single_max", "至少设置一项限额", "Set at least one limit"))
    for k, v in limits.items():
        if v is not None and (not isinstance(v, int) or v < 0):
            out.append((k, "限额不能为负数", "A limit cannot be negative"))
    lo, hi = limits["single_min"], limits["single_max"]
    if lo is not None and hi is not None and lo > hi:
        out.append(("single_min", "单笔下限不能大于上限", "Minimum above maximum"))
    lo, hi = limits["balance_floor"], limits["balance_ceiling"]
    if lo is not None and hi is not None and lo > hi:
        out.append(("balance_floor", "余额下限不能大于上限", "Floor above ceiling"))
    return out


@dataclass(frozen=True)
class LimitSettings:
    """A rule's settings as a step gives them; None = not given (on maintenance:
    unchanged)."""

    category: str | None = None
    direction: str | None = None
    channel: str | None = None
    action: str | None = None
    single_min: int | None = None
    single_max: int | None = None
    daily_amount: int | None = None
    daily_count: int | None = None
    monthly_amount: int | None = None
    monthly_count: int | None = None
    quarterly_amount: int | None = None
    quarterly_count: int | None = None
    yearly_amount: int | None = None
    yearly_count: int | None = None
    balance_floor: int | None = None
    balance_ceiling: int | None = None

    def given(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class LimitAdd(Attachment, wire_name="limits.add"):
    """新增交易控制 on ``account``."""

    account: str
    settings: LimitSettings
    starts_on: dt.date | None = None
    expires_on: dt.date | None = None


@dataclass(frozen=True)
class LimitChange(Attachment, wire_name="limits.change"):
    """维护 (the settings and end date given) or, with ``release``, 解控 a rule."""

    incident: str
    settings: LimitSettings = LimitSettings()
    expires_on: dt.date | None = None
    release: bool = False


class LimitMaintenanceRule(PostingRule):
    """18101's add / maintain / release, each a step of its own (irreversible)."""

    name = "controls.limit_maintenance"

    def applies(self, request) -> bool:
        return any(isinstance(a, (LimitAdd, LimitChange)) for a in request.attachments)

    def admit(self, p: Posting) -> None:
        if p.request.reversible:
            raise PostingRefused("irreversible_step", "交易控制不能冲正，请办理解控",
                                 "A limit is released, not reversed")

    def write(self, p: Posting) -> None:
        for a in p.request.attachments:
            if isinstance(a, LimitAdd):
                _add(p, a)
            elif isinstance(a, LimitChange):
                _change(p, a)


def _add(p: Posting, a: LimitAdd) -> None:
    conn, bdate = p.conn, p.business_date
    lock_account(conn, a.account)
    values = a.settings.given()
    problems = rule_problems(values)
    if problems:
        raise PostingRefused("bad_rule", problems[0][1], problems[0][2])
    start = a.starts_on or bdate
    if a.expires_on is not None and a.expires_on < start:
        raise PostingRefused("bad_expiry", "截止日期不能早于生效日期",
                             "The end date is before the start date")
    require_for(p, "limit_add")
    incident = new_incident_number(conn, p.request.branch, bdate)
    conn.execute(insert(rules_t).values(
        incident_number=incident, account_number=a.account, status="active",
        starts_on=start, expires_on=a.expires_on, created_by=p.request.teller,
        created_at=p.now, **values))
    record_step_event(p, incident=incident, account=a.account, area="limit", event="add",
                      after={**values, "starts_on": start, "expires_on": a.expires_on})


def _change(p: Posting, a: LimitChange) -> None:
    conn = p.conn
    row = conn.execute(select(rules_t).where(rules_t.c.incident_number == a.incident)).first()
    if row is None or row.status != "active":
        raise PostingRefused("no_incident", f"有效的交易控制 {a.incident} 不存在",
                             f"No rule {a.incident} in force")
    lock_account(conn, row.account_number)
    if a.release:
        before, after = {"status": "active"}, {"status": "released"}
    else:
        merged = {k: getattr(row, k) for k in LIMIT_FIELDS + (
            "category", "direction", "channel", "action")}
        merged.update(a.settings.given())
        problems = rule_problems(merged)
        if problems:
            raise PostingRefused("bad_rule", problems[0][1], problems[0][2])
        if a.expires_on is not None:
            merged["expires_on"] = a.expires_on
        before = {k: getattr(row, k) for k in merged if merged[k] != getattr(row, k)}
        after = {k: merged[k] for k in before}
        if not after:
            raise PostingRefused("no_change", "没有修改任何要素", "Nothing was changed")
    require_for(p, "limit_release" if a.release else "limit_maintain")
    conn.execute(update(rules_t).where(rules_t.c.id == row.id).values(**after))
    record_step_event(p, incident=a.incident, account=row.account_number, area="limit",
                      event="release" if a.release else "maintain", before=before, after=after)


class LimitService:
    """18101's look-ups (the changes are posted steps, above)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rules(self, account: str, *, current_only: bool = True) -> tuple[RuleView, ...]:
        q = select(rules_t).where(rules_t.c.account_number == account)
        if current_only:
            q = q.where(rules_t.c.status == "active")
        with reader(self.engine) as conn:
            return tuple(_view(r) for r in conn.execute(q.order_by(rules_t.c.id)))

    def rule(self, incident: str) -> RuleView | None:
        with reader(self.engine) as conn:
            row = conn.execute(select(rules_t).where(rules_t.c.incident_number == incident)
                               ).first()
        return _view(row) if row else None

    def changes_of(self, entry_id: int) -> tuple[dict, dict]:
        """(before, after) of the maintenance or release posted as ``entry_id``."""
        with reader(self.engine) as conn:
            ev = conn.execute(select(events_t.c.before, events_t.c.after).where(
                events_t.c.entry_id == entry_id)).first()
        return (json.loads(ev.before), json.loads(ev.after)) if ev else ({}, {})


def expire_rules(conn: Connection, bdate: dt.date, now: dt.datetime) -> list[dict]:
    """Rules whose end date is before ``bdate`` end (called by apply_control_expiries)."""
    changed = []
    for row in conn.execute(select(rules_t).where(
            rules_t.c.status == "active", rules_t.c.expires_on.is_not(None),
            rules_t.c.expires_on < bdate).order_by(rules_t.c.id)).all():
        conn.execute(update(rules_t).where(rules_t.c.id == row.id).values(status="expired"))
        branch = conn.execute(select(accounts_t.c.branch_code).where(
            accounts_t.c.number == row.account_number)).scalar_one()
        record_event(conn, incident=row.incident_number, account=row.account_number,
                     area="limit", event="expire", branch=branch, teller="SYSTEM", bdate=bdate,
                     now=now, before={"status": "active"}, after={"status": "expired"})
        changed.append({"incident": row.incident_number, "event": "expire", "kind": "limit"})
    return changed
