"""Personal time deposits (整存整取): opening, withdrawal, maturity (DOMAIN.md §5).

Rules (CBUS §3.10.3 and DOMAIN.md §5), all enforced here inside the posting's
own transaction, so no path can bypass them:

- opening (10110): a product per term (3/6 months, 1/2/3/5 years); the rate is
  the product's rate on the day and is fixed for the period; the amount may not
  be below the product's minimum (起存金额); funds come in cash or from a
  personal current account of the *same* customer; a deposit slip (存单)
  number is issued; the deposit is its own account (kind personal_time,
  subject 2018).
- withdrawal (10130): at maturity the term interest; after maturity the term
  interest plus the overdue days at the current-account rate of the day;
  before maturity the current-account rate × actual days (算头不算尾); one
  partial early withdrawal (部分提前支取) per period — the part is paid at the
  current rate, the rest keeps term, rate and start date under a new slip
  (the old one is void) and may not fall below the minimum. Interest is paid
  from the branch's 6411 interest-expense account.
- maturity (:mod:`teller.core.time_deposits.maturity`, day-end batch): auto-rollover
  deposits roll over principal + interest (本息转存) for the same term at the
  product's rate of that day, from the old maturity date; the others stay and
  earn the current-account rate after maturity, paid when withdrawn.

What is derived, not stored: whether a deposit is withdrawn (balance 0),
voided (its opening entry was reversed), which slip stands (the last slip whose
issuing entry stands) and whether the period's partial withdrawal was used.
So a same-day reversal (08210) of an opening or a withdrawal needs nothing but
its compensating entry. A withdrawn or voided account is closed (销户) by the
day-end batch, once no reversal can bring it back.

Worked example: ¥50,000.00 for 1 year at 1.45 % opened 2025-03-15::

    >>> from datetime import date
    >>> d = TimeDepositInfo(account="x", branch="0101", customer_id=1, holder="王",
    ...     product_code="P-T12", product_name="整存整取一年", term_months=12,
    ...     rate=Rate.parse("1.45"), start_date=date(2025, 3, 15),
    ...     maturity_date=date(2026, 3, 15), auto_rollover=False, principal=5_000_000,
    ...     slip_number="00000001", partial_done=False, state="open", minimum_fen=5000)
    >>> quote_withdrawal(d, date(2026, 3, 15), Rate.parse("0.20")).interest   # at maturity
    72500
    >>> q = quote_withdrawal(d, date(2026, 4, 14), Rate.parse("0.20"))        # 30 days late
    >>> (q.kind, q.term_interest, q.overdue_interest)
    ('overdue', 72500, 833)
    >>> quote_withdrawal(d, date(2025, 9, 15), Rate.parse("0.20")).interest   # early, 184 days
    5111
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from teller.core.accounts.interest import current_rate
from teller.core.accounts.models import Product
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import internal_account, new_account_number, open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import Attachment, Leg, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.time_deposits.models import DepositSlip, TimeDeposit
from teller.core.vouchers.blank import MediumReturned, VoucherUse, use_in, void_returned
from teller.domain.interest import (
    Rate, early_withdrawal_interest, interest_on_accrual, maturity_date, term_interest,
)
from teller.domain.money import Money
from teller.domain.problems import Problem

accounts_t = m.Account.__table__
customers_t = Customer.__table__
products_t = Product.__table__
entries_t = m.JournalEntry.__table__
branches_t = m.Branch.__table__
deposits_t = TimeDeposit.__table__
slips_t = DepositSlip.__table__
SLIP_VOUCHER = "deposit_slip"  # the blank-voucher kind a slip is drawn from

TIME_KIND, TIME_SUBJECT = "personal_time", "2018"
#: The terms the bank offers (months): 3 and 6 months, 1, 2, 3 and 5 years.
TERMS = (3, 6, 12, 24, 36, 60)
ROLLOVER_TXN = "EODTD"  # the batch's entries (not a teller transaction code)


# -- records -------------------------------------------------------------------
@dataclass(frozen=True)
class TimeProduct:
    code: str
    name: str
    term_months: int
    rate: Rate
    minimum_fen: int


@dataclass(frozen=True)
class CustomerRef:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class TimeDepositInfo:
    """整存整取 as a flow sees it. ``state``: open | withdrawn | void | closed."""

    account: str
    branch: str
    customer_id: int | None
    holder: str
    product_code: str
    product_name: str
    term_months: int
    rate: Rate
    start_date: dt.date
    maturity_date: dt.date
    auto_rollover: bool
    principal: int
    slip_number: str | None
    partial_done: bool
    state: str
    minimum_fen: int


@dataclass(frozen=True)
class WithdrawalQuote:
    """What a withdrawal on ``on`` pays. ``kind``: maturity | overdue | early | partial."""

    on: dt.date
    kind: str
    amount: int            # principal withdrawn
    interest: int
    term_interest: int
    overdue_interest: int
    early_interest: int
    current_rate: Rate
    remainder: int
    days: int              # early: days held; overdue: days past maturity

    @property
    def payout(self) -> int:
        return self.amount + self.interest


@dataclass(frozen=True)
class TimeDepositOpening(Attachment, wire_name="time_deposits.open"):
    """10110: the time account ``number`` (reserved beforehand), its contract and
    the slip (the smallest of the teller's box) — posted with the funds in."""

    number: str                 # reserved with reserve_account_number()
    customer_id: int
    term_months: int
    amount: int
    rate_micro: int             # the rate the customer was quoted
    auto_rollover: bool
    slip_number: str
    source_account: str | None  # None = cash


@dataclass(frozen=True)
class TimeDepositWithdrawal(Attachment, wire_name="time_deposits.withdraw"):
    """10130: pay out (part of) ``account`` as quoted, the presented slip taken
    back; a partial withdrawal issues ``new_slip_number`` for the rest."""

    account: str
    slip_presented: str
    amount: int                 # principal part (the whole principal = full withdrawal)
    interest: int               # as quoted to the customer
    payout_account: str         # the teller's cash box or the customer's current account
    new_slip_number: str | None = None  # required for a partial withdrawal


# -- pure rules ----------------------------------------------------------------
@dataclass(frozen=True)
class TimeDepositRollover(Attachment, wire_name="time_deposits.rollover"):
    """自动转存 of ``account``'s period starting ``start_date``: the term interest
    at the old rate is credited, a new period starts at the old maturity date
    at the product's rate of the day."""

    account: str
    start_date: dt.date


STATE_TEXT = {"withdrawn": ("该存单已支取", "This deposit has been withdrawn"),
              "void": ("该存单开户已冲正", "The opening of this deposit was reversed"),
              "closed": ("该定期账户已销户", "This time account is closed")}


def opening_problems(product: TimeProduct | None, amount: int) -> list[Problem]:
    if product is None:
        return [Problem("term", "该存期没有整存整取产品", "No time deposit product for this term")]
    if amount < product.minimum_fen:
        return [Problem("amount", f"存入金额低于起存金额 {Money(product.minimum_fen).format()}",
                        f"Below the minimum of {Money(product.minimum_fen).format()}")]
    return []


def quote_withdrawal(d: TimeDepositInfo, on: dt.date, current: Rate,
                     amount: int | None = None) -> WithdrawalQuote:
    """The interest of withdrawing ``amount`` (None = all) on ``on`` (DOMAIN.md §5)."""
    amount = d.principal if amount is None else amount
    if amount < d.principal:
        early = early_withdrawal_interest(amount, current, d.start_date, on)
        return WithdrawalQuote(on, "partial", amount, early, 0, 0, early, current,
                               d.principal - amount, (on - d.start_date).days)
    if on < d.maturity_date:
        early = early_withdrawal_interest(amount, current, d.start_date, on)
        return WithdrawalQuote(on, "early", amount, early, 0, 0, early, current, 0,
                               (on - d.start_date).days)
    term = term_interest(amount, d.rate, d.term_months)
    late_days = (on - d.maturity_date).days
    overdue = interest_on_accrual(amount * late_days, current)
    return WithdrawalQuote(on, "overdue" if late_days else "maturity", amount, term + overdue,
                           term, overdue, 0, current, 0, late_days)


def withdrawal_problems(d: TimeDepositInfo, on: dt.date, amount: int | None) -> list[Problem]:
    """Why withdrawing ``amount`` (None = all) on ``on`` is refused, or []."""
    if d.state in STATE_TEXT:
        return [Problem("account", *STATE_TEXT[d.state])]
    if amount is None or amount == d.principal:
        return []
    if amount > d.principal:
        return [Problem("amount", f"支取金额超过存单金额 {Money(d.principal).format()}",
                        "The amount exceeds the deposit")]
    if on >= d.maturity_date:
        return [Problem("amount", "存单已到期，不能部分支取，请全部支取",
                        "The deposit has matured: withdraw it in full")]
    if d.partial_done:
        return [Problem("amount", "本存期内已办理过一次部分提前支取，不能再次部提",
                        "Only one partial early withdrawal is allowed per term")]
    if d.principal - amount < d.minimum_fen:
        return [Problem("amount", f"留存金额 {Money(d.principal - amount).format()} 低于起存金额 "
                                  f"{Money(d.minimum_fen).format()}",
                        "The remainder would fall below the product minimum")]
    return []


def withdrawal_legs(account: str, expense: str, payout: str,
                    q: WithdrawalQuote) -> tuple[Leg, ...]:
    memo = "部分提前支取" if q.kind == "partial" else "定期支取"
    legs = [Leg(account, "D", q.amount, memo)]
    if q.interest:
        legs.append(Leg(expense, "D", q.interest, "利息支出"))
    legs.append(Leg(payout, "C", q.payout, memo))
    return tuple(legs)


def _refuse(problems: list[Problem], account: str | None = None) -> None:
    if problems:
        p = problems[0]
        raise PostingRefused("rule_" + (p.field or "time"), p.message, p.message_en,
                             account=account)


def _same_legs(given, legs: tuple[Leg, ...]) -> bool:
    return ([(x.account, x.direction, x.amount) for x in given]
            == [(x.account, x.direction, x.amount) for x in legs])


# -- reading -------------------------------------------------------------------
def time_products(conn: Connection) -> tuple[TimeProduct, ...]:
    rows = conn.execute(select(products_t).where(products_t.c.kind == TIME_KIND)
                        .order_by(products_t.c.term_months, products_t.c.code)).all()
    return tuple(TimeProduct(r.code, r.name, int(r.term_months), Rate(int(r.annual_rate_micro)),
                             int(r.minimum_fen)) for r in rows if r.term_months)


def product_for_term(conn: Connection, months: int) -> TimeProduct | None:
    return next((p for p in time_products(conn) if p.term_months == months), None)


def load_deposit(conn: Connection, account: str, *, lock: bool = False) -> TimeDepositInfo | None:
    q = select(deposits_t).where(deposits_t.c.account_number == account)
    td = conn.execute(q.with_for_update() if lock else q).first()
    if td is None:
        return None
    a = conn.execute(select(accounts_t, customers_t.c.name.label("customer_name"))
                     .outerjoin(customers_t, customers_t.c.id == accounts_t.c.customer_id)
                     .where(accounts_t.c.number == account)).one()
    p = conn.execute(select(products_t).where(products_t.c.code == td.product_code)).one()
    slips = conn.execute(select(slips_t).where(slips_t.c.account_number == account)
                         .order_by(slips_t.c.id)).all()
    ids = [s.entry_id for s in slips] + [td.opened_entry_id]
    reversed_ids = set(conn.execute(select(entries_t.c.reverses_entry_id)
                                    .where(entries_t.c.reverses_entry_id.in_(ids))).scalars())
    standing = [s for s in slips if s.entry_id not in reversed_ids]
    if a.status == "closed":
        state = "closed"
    elif td.opened_entry_id in reversed_ids:
        state = "void"
    elif int(a.balance) == 0:
        state = "withdrawn"
    else:
        state = "open"
    return TimeDepositInfo(
        account=account, branch=a.branch_code, customer_id=a.customer_id,
        holder=a.customer_name or a.title, product_code=td.product_code, product_name=p.name,
        term_months=int(td.term_months), rate=Rate(int(td.rate_micro)),
        start_date=td.start_date, maturity_date=td.maturity_date,
        auto_rollover=bool(td.auto_rollover), principal=int(a.balance),
        slip_number=standing[-1].slip_number if standing else None,
        partial_done=any(s.reason == "partial" and s.issued_on >= td.start_date
                         for s in standing),
        state=state, minimum_fen=int(p.minimum_fen))


def _business_date(conn: Connection, branch: str) -> dt.date:
    return conn.execute(select(branches_t.c.business_date)
                        .where(branches_t.c.code == branch)).scalar_one()


def _slip_taken(conn: Connection, slip: str) -> bool:
    return conn.execute(select(slips_t.c.id).where(slips_t.c.slip_number == slip)).first() \
        is not None


def _check_current_of(conn: Connection, number: str, customer_id: int | None) -> None:
    a = conn.execute(select(accounts_t.c.kind, accounts_t.c.customer_id, accounts_t.c.status)
                     .where(accounts_t.c.number == number)).first()
    if a is None:
        raise PostingRefused("no_account", "账户不存在", "No such account", account=number)
    if a.kind != "personal_current":
        raise PostingRefused("not_current", "须为个人活期账户", "Must be a personal current account",
                             account=number)
    if a.customer_id != customer_id:
        raise PostingRefused("other_customer", "活期账户与定期存款不属于同一客户",
                             "The current account belongs to another customer", account=number)


# -- the rules (inside the posting's transaction) --------------------------------
class TimeDepositKindRule(PostingRule):
    """A time deposit moves only by its own steps (opening, withdrawal, rollover)
    — a plain transfer cannot skip its interest rules. Court and bank
    deductions and reversals pass."""

    name = "time_deposits.kind"

    def check(self, p: Posting) -> None:
        if p.is_reversal or p.request.purpose != "normal":
            return
        own = any(isinstance(a, (TimeDepositOpening, TimeDepositWithdrawal,
                                 TimeDepositRollover)) for a in p.request.attachments)
        for mv in p.moves:
            if mv.account.kind == TIME_KIND and not own:
                raise PostingRefused(
                    "kind_txn", f"定期账户只能通过整存整取开户（10110）、支取（10130）交易记账："
                                f"{mv.leg.account}",
                    "A time deposit moves only by 10110 / 10130", account=mv.leg.account)


class TimeDepositOpeningRule(PostingRule):
    """10110: the product, rate and minimum of the day, the slip from the teller's
    box, funds of the same customer; creates the time account the legs credit."""
    name = "time_deposits.open"

    def applies(self, request) -> bool:
        return request.one(TimeDepositOpening) is not None

    def prepare(self, p: Posting) -> None:
        spec = p.request.one(TimeDepositOpening)
        assert spec is not None
        conn, req = p.conn, p.request
        product = product_for_term(conn, spec.term_months)
        _refuse(opening_problems(product, spec.amount))
        assert product is not None
        if product.rate.micro != spec.rate_micro:
            raise PostingRefused("rate_changed", f"挂牌利率已调整为 {product.rate}，请重新确认",
                                 "The product rate has changed; confirm again")
        cust = conn.execute(select(customers_t).where(customers_t.c.id == spec.customer_id)
                            ).first()
        if cust is None or cust.kind != "personal":
            raise PostingRefused("no_customer", "客户不存在或不是个人客户",
                                 "No such personal customer")
        if spec.source_account is not None:
            _check_current_of(conn, spec.source_account, spec.customer_id)
        if _slip_taken(conn, spec.slip_number):
            raise PostingRefused("slip_used", f"存单号 {spec.slip_number} 已使用",
                                 "This deposit slip number was used already")
        source = spec.source_account or internal_account(conn, req.branch, "cash_box",
                                                         req.teller)
        expected = (Leg(source or "", "D", spec.amount), Leg(spec.number, "C", spec.amount))
        if not _same_legs(p.legs, expected):
            raise PostingRefused("bad_legs", "开户分录与开户信息不符",
                                 "The entry does not match the opening")
        open_account(conn, branch=req.branch, subject=TIME_SUBJECT, title=cust.name,
                     kind=TIME_KIND, opened_on=p.business_date, customer_id=spec.customer_id,
                     product=product.code, medium_kind="deposit_slip", number=spec.number)
        # The slip is the smallest of the teller's box, used by this very entry.
        p.add_leg(use_in(p, VoucherUse(SLIP_VOUCHER, spec.slip_number, spec.number)))
        p.notes[self.name] = product
        p.fact("account_number", spec.number)

    def write(self, p: Posting) -> None:
        spec = p.request.one(TimeDepositOpening)
        assert spec is not None
        product, bdate = p.notes[self.name], p.business_date
        p.conn.execute(deposits_t.insert().values(
            account_number=spec.number, product_code=product.code,
            term_months=product.term_months, rate_micro=product.rate.micro, start_date=bdate,
            maturity_date=maturity_date(bdate, product.term_months),
            auto_rollover=spec.auto_rollover, rollovers=0, opened_entry_id=p.entry_id))
        p.conn.execute(slips_t.insert().values(
            slip_number=spec.slip_number, account_number=spec.number, entry_id=p.entry_id,
            reason="open", issued_on=bdate))


class TimeDepositWithdrawalRule(PostingRule):
    """10130: the slip that stands, the interest as quoted for the day, one partial
    early withdrawal per period with its new slip, the remainder at least the minimum."""
    name = "time_deposits.withdraw"

    def applies(self, request) -> bool:
        return request.one(TimeDepositWithdrawal) is not None

    def prepare(self, p: Posting) -> None:
        spec = p.request.one(TimeDepositWithdrawal)
        assert spec is not None
        conn, req, bdate = p.conn, p.request, p.business_date
        d = load_deposit(conn, spec.account, lock=True)
        if d is None:
            raise PostingRefused("not_time", "该账户不是整存整取账户", "Not a time deposit",
                                 account=spec.account)
        _refuse(withdrawal_problems(d, bdate, spec.amount), spec.account)
        if spec.slip_presented != d.slip_number:
            raise PostingRefused("wrong_slip", "存单号与该账户当前有效存单不符",
                                 "The slip number does not match the deposit's slip")
        q = quote_withdrawal(d, bdate, current_rate(conn), spec.amount)
        if q.kind == "partial":
            if not spec.new_slip_number:
                raise PostingRefused("new_slip", "部分提前支取须换发新存单，请输入新存单号",
                                     "A partial withdrawal needs a new slip number")
            if _slip_taken(conn, spec.new_slip_number):
                raise PostingRefused("slip_used", f"存单号 {spec.new_slip_number} 已使用",
                                     "This deposit slip number was used already")
        box = internal_account(conn, req.branch, "cash_box", req.teller)
        if spec.payout_account != box:
            _check_current_of(conn, spec.payout_account, d.customer_id)
        expense = internal_account(conn, req.branch, "interest_expense")
        if expense is None:
            raise PostingRefused("no_expense_account", "网点没有利息支出账户",
                                 "The branch has no interest-expense account")
        legs = withdrawal_legs(spec.account, expense, spec.payout_account, q)
        if q.interest != spec.interest or not _same_legs(p.legs, legs):
            raise PostingRefused("stale_quote", "利息已变化（利率或日期调整），请重新试算",
                                 "The interest changed; quote again", account=spec.account)
        # The presented slip comes back (收回存单) and is voided where the stock knows it.
        void_returned(p, MediumReturned(SLIP_VOUCHER, number=d.slip_number))
        if q.kind == "partial":  # the box's next slip for the rest, in the same entry
            p.add_leg(use_in(p, VoucherUse(SLIP_VOUCHER, spec.new_slip_number, spec.account)))
            p.notes[self.name] = True

    def write(self, p: Posting) -> None:
        spec = p.request.one(TimeDepositWithdrawal)
        if spec is not None and p.notes.get(self.name):
            p.conn.execute(slips_t.insert().values(
                slip_number=spec.new_slip_number, account_number=spec.account,
                entry_id=p.entry_id, reason="partial", issued_on=p.business_date))


# -- service -------------------------------------------------------------------
class TimeDepositService:
    """What flows reach as ``core.time`` (no SQL outside the core)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def products(self) -> tuple[TimeProduct, ...]:
        with reader(self.engine) as conn:
            return time_products(conn)

    def product_for_term(self, months: int) -> TimeProduct | None:
        with reader(self.engine) as conn:
            return product_for_term(conn, months)

    def deposit(self, account: str) -> TimeDepositInfo | None:
        with reader(self.engine) as conn:
            return load_deposit(conn, account)

    def customer_by_document(self, id_type: str, id_number: str) -> CustomerRef | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(customers_t).where(customers_t.c.id_type == id_type,
                                                       customers_t.c.id_number == id_number)
                             ).first()
        return CustomerRef(r.id, r.name, r.kind) if r is not None else None

    def account_customer(self, number: str) -> int | None:
        with reader(self.engine) as conn:
            return conn.execute(select(accounts_t.c.customer_id)
                                .where(accounts_t.c.number == number)).scalar()

    def quote(self, account: str, on: dt.date, amount: int | None = None
              ) -> tuple[TimeDepositInfo, WithdrawalQuote] | None:
        with reader(self.engine) as conn:
            d = load_deposit(conn, account)
            if d is None:
                return None
            return d, quote_withdrawal(d, on, current_rate(conn), amount)

    def reserve_account_number(self, branch: str) -> str:
        """A fresh time account number (a refused opening leaves a gap, never a reuse)."""
        return run_in_transaction(self.engine,
                                  lambda conn: new_account_number(conn, branch, TIME_SUBJECT))
