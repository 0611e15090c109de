"""Counter rules that sit around a personal posting (柜面个人业务规则), enforced in
the core so that the GUI, the API and a replay all meet them:

- 验密: a debit of a personal account whose withdrawal method needs a password
  (凭密 / 凭证密) needs the customer's PIN block, verified by
  :class:`~teller.core.accounts.pins.CustomerPinService` *just before* the
  posting — in its own transaction, so a wrong PIN is counted even though the
  posting is refused (3 wrong → locked; DOMAIN.md §1, CBUS §4.3.3);
- Ⅱ/Ⅲ类户 limits (DOMAIN.md §2): daily/annual amounts in and out for class
  II and III accounts (the class III balance cap is the posting engine's own
  rule, for every posting) — checked inside the posting transaction with the
  account row locked, so two terminals cannot both spend the last of a day's
  limit. Money to or from the bound class-I account (绑定账户) does not count
  against them, as the PBOC rules say;
- 大额现金数据采集 (18590): cash of 50,000.00 or more in one posting needs the
  source or use of funds; the register row is written in the posting's own
  transaction, so there is never a large cash posting without one.

Worked example::

    rules = CounterRules(engine, posting, pins)          # pins: CustomerPinService | None
    rules.post(EntryRequest(...cash 60,000.00 out of 6217...),
               CounterChecks(pins=(("0101...", pin_block),),
                             funds=FundsDeclaration("consumption", "购车")))
    rules.record_for("20261123T001000007")  # -> LargeCashInfo(category='consumption', ...)

The limit figures follow 银发〔2018〕16号 and are a :class:`ClassLimits` value,
so a bank sets its own through the constructor.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.models import AccountControl
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.cash.models import LargeCashRecord
from teller.core.ledger.engine import PostingEngine, debit_block
from teller.core.ledger.records import EntryRequest, PostedEntry, PostingRefused
from teller.domain.money import Money
from teller.domain.pin import PinBlock

accounts_t = m.Account.__table__
entries_t = m.JournalEntry.__table__
postings_t = m.Posting.__table__
subjects_t = m.GlSubject.__table__
large_cash_t = LargeCashRecord.__table__

#: Cash of 50,000.00 or more in one transaction needs the source/use of funds.
LARGE_CASH_FEN = 5_000_000

PASSWORD_METHODS = frozenset({"password", "certificate_password"})

#: 资金来源/用途 categories (value, 中文, English); 'other' needs a description.
FUNDS_CATEGORIES = (
    ("salary", "工资薪金", "Salary"),
    ("business", "经营收支", "Business"),
    ("investment", "投资理财", "Investment"),
    ("savings", "个人积蓄", "Savings"),
    ("consumption", "个人消费", "Consumption"),
    ("property", "购房购车", "Property or vehicle"),
    ("repayment", "归还借款", "Loan repayment"),
    ("other", "其他", "Other"),
)
FUNDS_CATEGORY_CODES = frozenset(c[0] for c in FUNDS_CATEGORIES)


@dataclass(frozen=True)
class FundsDeclaration:
    """资金来源或用途 as the customer declared it."""

    category: str
    detail: str = ""


def funds_problem(funds: FundsDeclaration) -> tuple[str, str] | None:
    """Why a declaration is not acceptable (zh, en), or None."""
    if funds.category not in FUNDS_CATEGORY_CODES:
        return "资金来源/用途类别不正确", "Unknown source/use category"
    if funds.category == "other" and not funds.detail.strip():
        return "资金来源/用途为“其他”时须填写说明", "Describe the source/use when it is 'other'"
    if len(funds.detail) > 120:
        return "资金来源/用途说明不能超过120个字", "The description is too long"
    return None


@dataclass(frozen=True)
class CounterChecks:
    """What the counter brings to a checked posting: PIN blocks from the PIN pad
    (per debited account) and, for large cash, the declared source/use of funds."""

    pins: tuple[tuple[str, PinBlock], ...] = ()
    funds: FundsDeclaration | None = None

    def pin_for(self, account: str) -> PinBlock | None:
        return next((b for a, b in self.pins if a == account), None)


@dataclass(frozen=True)
class ClassLimits:
    """Ⅱ/Ⅲ类户 limits in fen. Class II: money in from / out to anything but the
    bound account, 10,000.00 a day and 200,000.00 a year each way. Class III:
    out 2,000.00 a day, 50,000.00 a year (its balance cap of 2,000.00 is the
    posting engine's, posting.CLASS_BALANCE_CEILINGS)."""

    ii_daily_in: int = 1_000_000
    ii_annual_in: int = 20_000_000
    ii_daily_out: int = 1_000_000
    ii_annual_out: int = 20_000_000
    iii_daily_out: int = 200_000
    iii_annual_out: int = 5_000_000


@dataclass(frozen=True)
class LargeCashInfo:
    """One 18590 register line."""

    journal_number: str
    account: str
    direction: str
    cash_amount: int
    category: str
    detail: str
    recorded_by: str


def _money(fen: int) -> str:
    return Money(fen).format()


class CounterRules:
    def __init__(self, engine: Engine, posting: PostingEngine, pins=None, *,
                 limits: ClassLimits = ClassLimits()) -> None:
        self.engine = engine
        self.posting = posting
        self.pins = pins  # CustomerPinService | None (no verifier configured)
        self.limits = limits

    # -- the checked posting ---------------------------------------------------
    def post(self, req: EntryRequest, checks: CounterChecks, *, send=None) -> PostedEntry:
        """Verify PINs, then post with the limit and large-cash rules inside the
        posting transaction. A key already posted returns its first result and
        asks for nothing again (a retry must not burn a PIN attempt).
        ``send(req, guard=, record=)`` posts (default: the posting engine)."""
        if self.posting.find(req.key) is None:
            self._verify_pins(req, checks)
        send = send or self.posting.post
        return send(req, guard=lambda c, r, accts, bdate: self._guard(
            c, r, accts, bdate, checks), record=lambda c, p: self._record(c, p, checks))

    def pin_required(self, account: str) -> bool:
        """Whether a debit of ``account`` needs the customer's PIN (for page rules)."""
        with reader(self.engine) as conn:
            row = conn.execute(select(accounts_t).where(accounts_t.c.number == account)).first()
        return row is not None and _needs_pin(row)

    def _verify_pins(self, req: EntryRequest, checks: CounterChecks) -> None:
        debited = sorted({leg.account for leg in req.legs if leg.direction == "D"})
        with reader(self.engine) as conn:
            rows = [r for r in conn.execute(select(accounts_t).where(
                accounts_t.c.number.in_(debited)).order_by(accounts_t.c.number)) if _needs_pin(r)]
            # (accounts without a PIN meet their controls in the posting itself)
            kinds = (self._active_control_kinds(conn, req.branch, [r.number for r in rows])
                     if rows else {})
        # A reported-lost (sealed, frozen …) account is refused with its own
        # reason before the customer is asked for a PIN: a PIN tried on a lost
        # card must neither be requested nor count towards the lock-out.
        for row in rows:
            block = debit_block(row.status, kinds.get(row.number, ()), req.purpose)
            if block is not None:
                code, zh, en = block
                raise PostingRefused(code, f"{zh}：{row.number}", en, account=row.number)
        for row in rows:
            block = checks.pin_for(row.number)
            if block is None:
                raise PostingRefused("pin_required", f"账户 {row.number} 凭密支取，须客户在密码键盘输入密码",
                                     "The customer must enter the PIN on the PIN pad",
                                     account=row.number)
            if self.pins is None:
                raise PostingRefused("pin_service_unavailable", "密码校验服务未配置，不能验密",
                                     "No PIN verifier is configured", account=row.number)
            decision = self.pins.verify(row.number, block)
            if not decision.accepted:
                raise PostingRefused(f"pin_{decision.result.value}", decision.message,
                                     decision.message_en, account=row.number)

    @staticmethod
    def _active_control_kinds(conn: Connection, branch: str, numbers: list[str]
                              ) -> dict[str, set[str]]:
        bdate = conn.execute(select(m.Branch.__table__.c.business_date)
                             .where(m.Branch.__table__.c.code == branch)).scalar()
        if bdate is None:
            return {}
        ctl = AccountControl.__table__
        rows = conn.execute(select(ctl.c.account_number, ctl.c.kind).where(
            ctl.c.account_number.in_(numbers), ctl.c.status == "active",
            ctl.c.starts_on <= bdate,
            (ctl.c.expires_on.is_(None)) | (ctl.c.expires_on >= bdate))).all()
        out: dict[str, set[str]] = {}
        for number, kind in rows:
            out.setdefault(number, set()).add(kind)
        return out

    def _guard(self, conn: Connection, req: EntryRequest, accounts: dict, bdate: dt.date,
               checks: CounterChecks) -> None:
        cash = any(a.kind == "cash_box" for a in accounts.values())
        sides = dict(conn.execute(select(subjects_t.c.code, subjects_t.c.side)).all())
        legs = _customer_flows(req, accounts, sides)
        if cash and any(amount >= LARGE_CASH_FEN for _, _, amount in legs):
            if checks.funds is None:
                raise PostingRefused("large_cash_needs_funds",
                                     "现金5万元（含）以上须登记资金来源或用途（18590）",
                                     "Cash of 50,000.00 or more needs the source or use of funds")
            problem = funds_problem(checks.funds)
            if problem:
                raise PostingRefused("bad_funds_declaration", *problem)
        for number, inflow, amount in legs:
            acct = accounts[number]
            if acct.account_class not in ("II", "III"):
                continue
            others = {leg.account for leg in req.legs if leg.account != number}
            if acct.bound_account and acct.bound_account in others:
                continue  # to or from the bound class-I account: not limited
            self._check_class(conn, acct, inflow, amount, bdate)

    def _check_class(self, conn: Connection, acct, inflow: bool, amount: int,
                     bdate: dt.date) -> None:
        lim, n = self.limits, acct.number
        # The class III balance cap is the posting engine's own rule
        # (posting.CLASS_BALANCE_CEILINGS): absolute, whoever posts and from
        # wherever the money comes, so it is not repeated here.
        if acct.account_class == "II":
            daily, annual = (lim.ii_daily_in, lim.ii_annual_in) if inflow else \
                (lim.ii_daily_out, lim.ii_annual_out)
        elif not inflow:
            daily, annual = lim.iii_daily_out, lim.iii_annual_out
        else:
            return
        word, word_en = ("转入/存入", "in") if inflow else ("转出/支取", "out")
        day_used = self._used(conn, acct, inflow, bdate, bdate)
        if day_used + amount > daily:
            raise PostingRefused(
                f"class_{acct.account_class.lower()}_daily_limit",
                f"{acct.account_class}类户非绑定账户{word}日累计限额 {_money(daily)}，"
                f"今日已用 {_money(day_used)}：{n}",
                f"Class {acct.account_class} daily limit ({word_en}) of {_money(daily)} exceeded",
                account=n)
        year_used = self._used(conn, acct, inflow, bdate.replace(month=1, day=1), bdate)
        if year_used + amount > annual:
            raise PostingRefused(
                f"class_{acct.account_class.lower()}_annual_limit",
                f"{acct.account_class}类户非绑定账户{word}年累计限额 {_money(annual)}，"
                f"本年已用 {_money(year_used)}：{n}",
                f"Class {acct.account_class} annual limit ({word_en}) of {_money(annual)} "
                "exceeded", account=n)

    def _used(self, conn: Connection, acct, inflow: bool, start: dt.date, end: dt.date) -> int:
        """What went in (or out) of ``acct`` from ``start`` to ``end``, leaving out
        reversed entries, reversals and money to or from the bound account."""
        side = conn.execute(select(subjects_t.c.side).where(
            subjects_t.c.code == acct.subject_code)).scalar_one()
        direction = side if inflow else ("D" if side == "C" else "C")
        rev = entries_t.alias("rev")
        bound = postings_t.alias("bound")
        q = (select(func.coalesce(func.sum(postings_t.c.amount), 0))
             .select_from(postings_t.join(entries_t, entries_t.c.id == postings_t.c.entry_id))
             .where(postings_t.c.account_number == acct.number,
                    postings_t.c.direction == direction,
                    entries_t.c.business_date >= start, entries_t.c.business_date <= end,
                    entries_t.c.reverses_entry_id.is_(None),
                    ~select(rev.c.id).where(rev.c.reverses_entry_id == entries_t.c.id).exists()))
        if acct.bound_account:
            q = q.where(~select(bound.c.id).where(and_(
                bound.c.entry_id == entries_t.c.id,
                bound.c.account_number == acct.bound_account)).exists())
        return int(conn.execute(q).scalar_one())

    def _record(self, conn: Connection, posted: PostedEntry, checks: CounterChecks) -> None:
        if checks.funds is None:
            return
        rows = conn.execute(select(accounts_t.c.number, accounts_t.c.kind,
                                   accounts_t.c.subject_code)
                            .where(accounts_t.c.number.in_([leg.account for leg in posted.legs])
                                   )).all()
        kinds = {r.number: r.kind for r in rows}
        if not any(k == "cash_box" for k in kinds.values()):
            return
        sides = dict(conn.execute(select(subjects_t.c.code, subjects_t.c.side)).all())
        subject = {r.number: r.subject_code for r in rows}
        for leg in posted.legs:
            if kinds.get(leg.account, "").startswith("personal") and leg.amount >= LARGE_CASH_FEN:
                inflow = leg.direction == sides[subject[leg.account]]
                self._insert(conn, posted.entry_id, leg.account,
                             "deposit" if inflow else "withdrawal", leg.amount, checks.funds,
                             posted.teller, posted.business_date, posted.created_at)
                return

    @staticmethod
    def _insert(conn: Connection, entry_id: int, account: str, direction: str, amount: int,
                funds: FundsDeclaration, teller: str, bdate: dt.date, at: dt.datetime) -> None:
        conn.execute(insert(large_cash_t).values(
            entry_id=entry_id, account_number=account, direction=direction, cash_amount=amount,
            category=funds.category, detail=funds.detail.strip()[:120], recorded_by=teller,
            business_date=bdate, recorded_at=at))

    # -- 18590: the register on its own ---------------------------------------
    def record_for(self, journal_number: str) -> LargeCashInfo | None:
        with reader(self.engine) as conn:
            entry = _entry_by_number(conn, journal_number)
            if entry is None:
                return None
            r = conn.execute(select(large_cash_t).where(
                large_cash_t.c.entry_id == entry.id)).first()
        if r is None:
            return None
        return LargeCashInfo(journal_number, r.account_number, r.direction, int(r.cash_amount),
                             r.category, r.detail, r.recorded_by)

    def capture(self, journal_number: str, funds: FundsDeclaration, *, teller: str,
                at: dt.datetime) -> LargeCashInfo:
        """录入 or 修改: record (or correct) the source/use of a cash entry's funds."""
        problem = funds_problem(funds)
        if problem:
            raise PostingRefused("bad_funds_declaration", *problem)

        def work(conn: Connection) -> None:
            entry = _entry_by_number(conn, journal_number)
            if entry is None:
                raise PostingRefused("no_entry", "原交易流水号不存在",
                                     "No entry with this journal number")
            legs = conn.execute(select(postings_t.c.account_number, postings_t.c.direction,
                                       postings_t.c.amount, accounts_t.c.kind,
                                       subjects_t.c.side)
                                .join(accounts_t,
                                      accounts_t.c.number == postings_t.c.account_number)
                                .join(subjects_t, subjects_t.c.code == accounts_t.c.subject_code)
                                .where(postings_t.c.entry_id == entry.id)).all()
            if not any(p.kind == "cash_box" for p in legs):
                raise PostingRefused("not_cash", "原交易不是现金交易", "Not a cash transaction")
            leg = next((p for p in legs if p.kind.startswith("personal")), None)
            if leg is None:
                raise PostingRefused("not_personal", "原交易没有个人账户", "No personal account")
            existing = conn.execute(select(large_cash_t.c.id).where(
                large_cash_t.c.entry_id == entry.id).with_for_update()).first()
            if existing is not None:
                conn.execute(update(large_cash_t).where(large_cash_t.c.id == existing.id).values(
                    category=funds.category, detail=funds.detail.strip()[:120],
                    recorded_by=teller, recorded_at=at))
                return
            self._insert(conn, entry.id, leg.account_number,
                         "deposit" if leg.direction == leg.side else "withdrawal",
                         int(leg.amount), funds, teller, entry.business_date, at)
        run_in_transaction(self.engine, work)
        info = self.record_for(journal_number)
        assert info is not None
        return info


def _needs_pin(row) -> bool:
    # An account opened before its password was set (no verification value)
    # cannot be verified; the password-set flow is what makes 凭密 bite.
    return (str(row.kind).startswith("personal") and row.withdrawal_method in PASSWORD_METHODS
            and row.pin_verification_value is not None)


def _customer_flows(req: EntryRequest, accounts: dict, sides: dict) -> list[tuple[str, bool, int]]:
    """(account, inflow?, amount) of each personal-account leg."""
    out = []
    for leg in req.legs:
        acct = accounts[leg.account]
        if str(acct.kind).startswith("personal"):
            out.append((leg.account, leg.direction == sides[acct.subject_code], leg.amount))
    return out


def _entry_by_number(conn: Connection, journal_number: str):
    jn = journal_number.strip()
    if len(jn) < 15 or not jn[:8].isdigit() or not jn[-6:].isdigit():
        return None
    try:
        bdate = dt.datetime.strptime(jn[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return conn.execute(select(entries_t).where(
        entries_t.c.business_date == bdate, entries_t.c.teller_code == jn[8:-6],
        entries_t.c.journal_sequence == int(jn[-6:]))).first()


__all__ = ["CounterRules", "CounterChecks", "FundsDeclaration", "ClassLimits", "LargeCashInfo",
           "LARGE_CASH_FEN", "FUNDS_CATEGORIES", "funds_problem"]
