"""Core services for the transaction layer (核心服务): the one object through which
flows reach the core database, so that ``teller.transactions`` never imports
SQLAlchemy.

``CoreServices(engine)`` offers

- ``post(EntryRequest)``, ``reverse(entry_id, ...)``, ``find(key)`` — the kernel
  (``self.ledger``, :class:`~teller.core.ledger.engine.Ledger`) with the bank's
  posting rules (:func:`teller.core.rulebook.posting_rules`): every commit step
  of every flow is one entry through it;
- ``branch(code) -> BranchInfo | None``; ``terminal_ok(code, branch) -> bool``
- ``account(number) -> AccountInfo | None`` — by account number;
  ``account_by_medium(number)`` — by card / passbook number;
  ``resolve_account(text)`` — either, account number first
- ``cash_box(branch, teller) -> str | None`` — the teller's 尾箱 account
- ``journal_today(teller, branch)`` / ``journal_line(journal_number)`` —
  :class:`~teller.core.views.JournalLine` records of a teller's entries;
  ``entry_detail(journal_number)`` — :class:`~teller.core.views.EntryDetail`,
  what a voucher of that entry shows (holder, counter account, authorizer)
- ``record_refusal(...)`` — a supervisor's refusal (outcome 'refused') in the
  authorizations table
- the areas' look-ups: ``operators``, ``vouchers`` (重要空白凭证), ``time`` (整存整取),
  ``interest`` (结息), ``cash`` and ``teller_day`` (尾箱, sign-on/off, balancing),
  ``large_cash`` (18590 register), ``passbooks``, ``personal``, ``loss``
  (18010/18020), ``passwords`` (18030), ``controls`` / ``judicial`` / ``limits``
  (18100/18091, 18090, 18101), ``day_end`` (日终 09900: blockers and the batch);
- ``customer_pins`` — :class:`~teller.core.accounts.pins.CustomerPinService`, or None
  until ``use_pin_verifier(verifier)`` names the bank's PIN verifier (HSM seam),
  which the posting rules then check PIN blocks with.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable

from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Engine

from teller.core.accounts.interest import InterestService
from teller.core.accounts.passbooks import DEFAULT_GEOMETRY, PassbookGeometry, PassbookService
from teller.core.accounts.password_maintenance import PasswordMaintenance
from teller.core.accounts.personal import PersonalServices
from teller.core.accounts.pin_verifier import PinVerifier
from teller.core.accounts.pins import CustomerPinService
from teller.core.accounts.rules import ClassLimits, needs_pin
from teller.core.cash.large_cash import LargeCashRegister
from teller.core.cash.service import CashService
from teller.core.cash.teller_day import TellerDayService
from teller.core.controls.controls import ControlService
from teller.core.controls.judicial import JudicialService
from teller.core.controls.limits import LimitService
from teller.core.controls.rules import active_condition, available_balance
from teller.core.customers.models import Customer
from teller.core.day.service import DayEndService
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.engine import Ledger
from teller.core.ledger.records import (
    AuthGrant, EntryRequest, PostedEntry, format_journal_number, parse_journal_number,
)
from teller.core.loss.follow_up import LossService
from teller.core.controls.models import AccountControl
from teller.core.operators.models import Authorization, Terminal
from teller.core.operators.service import OperatorService
from teller.core.rulebook import posting_rules
from teller.core.time_deposits.deposits import TimeDepositService
from teller.core.views import INTERNAL_KINDS, AccountInfo, BranchInfo, EntryDetail, JournalLine
from teller.core.vouchers.blank import BlankVoucherService

accounts_t = m.Account.__table__
controls_t = AccountControl.__table__
entries_t = m.JournalEntry.__table__
postings_t = m.Posting.__table__
customers_t = Customer.__table__
branches_t = m.Branch.__table__
terminals_t = Terminal.__table__
auth_t = Authorization.__table__


def _journal_number(row) -> str:
    return format_journal_number(row.business_date, row.teller_code, row.journal_sequence)


class CoreServices:
    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now,
                 scrypt_n: int | None = None, pin_verifier: PinVerifier | None = None,
                 passbook_geometry: PassbookGeometry = DEFAULT_GEOMETRY,
                 class_limits: ClassLimits = ClassLimits()) -> None:
        self.engine = engine
        self.clock = clock
        self.verifier: PinVerifier | None = None
        self.ledger = Ledger(engine, posting_rules(pin_verifier=lambda: self.verifier,
                                                   class_limits=class_limits,
                                                   passbook_geometry=passbook_geometry),
                             clock=clock)
        self.operators = OperatorService(engine, clock=clock,
                                         **({"scrypt_n": scrypt_n} if scrypt_n else {}))
        self.vouchers = BlankVoucherService(engine, self.post)
        self.time = TimeDepositService(engine)
        self.interest = InterestService(engine)
        self.cash = CashService(engine, clock=clock)
        self.teller_day = TellerDayService(engine, self.operators, clock=clock)
        self.large_cash = LargeCashRegister(engine)
        self.personal = PersonalServices(engine, pin_verifier)
        self.customer_pins: CustomerPinService | None = None
        self.passbooks = PassbookService(engine, passbook_geometry)
        self.loss = LossService(engine, clock=clock)
        self.passwords = PasswordMaintenance(engine)
        self.controls = ControlService(engine)
        self.judicial = JudicialService(engine)
        self.limits = LimitService(engine)
        self.day_end = DayEndService(engine, self.post, clock=clock)
        if pin_verifier is not None:
            self.use_pin_verifier(pin_verifier)

    def use_pin_verifier(self, verifier: PinVerifier) -> None:
        """Name the verifier customer PIN blocks go to (the bank's HSM, or the
        built-in zone-key verifier) — for every rule and service that checks one."""
        self.verifier = verifier
        self.customer_pins = CustomerPinService(self.engine, verifier)
        self.personal.verifier = verifier

    # -- reference data ------------------------------------------------------
    def branch(self, code: str) -> BranchInfo | None:
        with reader(self.engine) as conn:
            r = conn.execute(select(branches_t).where(branches_t.c.code == code)).first()
        if r is None:
            return None
        return BranchInfo(r.code, r.name, r.bank_name, r.business_date, r.status,
                          int(r.cash_auth_limit_a), int(r.cash_auth_limit_b))

    def terminal_ok(self, code: str, branch: str) -> bool:
        with reader(self.engine) as conn:
            r = conn.execute(select(terminals_t).where(terminals_t.c.code == code)).first()
        return r is not None and r.status == "active" and r.branch_code == branch

    # -- accounts ------------------------------------------------------------
    def account(self, number: str) -> AccountInfo | None:
        return self._account_where(accounts_t.c.number == number)

    def account_by_medium(self, medium_number: str) -> AccountInfo | None:
        # A closed account keeps its (voided) medium number: the live one wins.
        return self._account_where(accounts_t.c.medium_number == medium_number,
                                   live_first=True)

    def resolve_account(self, text: str) -> AccountInfo | None:
        return self.account(text) or self.account_by_medium(text)

    def _account_where(self, cond, live_first: bool = False) -> AccountInfo | None:
        order = ((accounts_t.c.status == "closed", accounts_t.c.number) if live_first
                 else (accounts_t.c.number,))
        with reader(self.engine) as conn:
            r = conn.execute(select(accounts_t, customers_t.c.name.label("customer_name"))
                             .outerjoin(customers_t, customers_t.c.id == accounts_t.c.customer_id)
                             .where(cond).order_by(*order)).first()
            if r is None:
                return None
            bdate = conn.execute(select(branches_t.c.business_date)
                                 .where(branches_t.c.code == r.branch_code)).scalar_one()
            controls = tuple((c.kind, int(c.amount)) for c in conn.execute(
                select(controls_t.c.kind, controls_t.c.amount).where(
                    controls_t.c.account_number == r.number, active_condition(bdate))
                .order_by(controls_t.c.id)))
        return AccountInfo(
            number=r.number, title=r.title, kind=r.kind, branch=r.branch_code, status=r.status,
            balance=int(r.balance),
            available=available_balance(r.balance, r.overdraft_limit, controls),
            subject=r.subject_code, withdrawal_method=r.withdrawal_method,
            medium_kind=r.medium_kind, medium_number=r.medium_number,
            customer_name=r.customer_name or r.title, needs_pin=needs_pin(r),
            controls=controls)

    def cash_box(self, branch: str, teller: str) -> str | None:
        """The box the teller has drawn today (签到领用), or None."""
        return self.cash.held_box(branch, teller)

    # -- posting -------------------------------------------------------------
    def post(self, req: EntryRequest) -> PostedEntry:
        """The one posting seam (wrapped by fault-injection tests and instrumentation)."""
        return self.ledger.post(req)

    def reverse(self, entry_id: int, *, key: str, teller: str, terminal: str,
                authorization: AuthGrant | None, required_level: str | None = "A",
                memo: str = "") -> PostedEntry:
        return self.ledger.reverse(entry_id, key=key, teller=teller, terminal=terminal,
                                   authorization=authorization,
                                   required_level=required_level, memo=memo)

    def find(self, key: str) -> PostedEntry | None:
        return self.ledger.find(key)

    # -- journal -------------------------------------------------------------
    def journal_today(self, teller: str, branch: str) -> tuple[JournalLine, ...]:
        """The teller's entries of the branch's current business date, oldest first."""
        info = self.branch(branch)
        if info is None:
            return ()
        return self._lines(entries_t.c.teller_code == teller,
                           entries_t.c.business_date == info.business_date)

    def journal_line(self, journal_number: str) -> JournalLine | None:
        """The entry with this 流水号 (yyyymmdd + teller + 6-digit sequence)."""
        parsed = parse_journal_number(journal_number)
        if parsed is None:
            return None
        bdate, teller, sequence = parsed
        lines = self._lines(entries_t.c.business_date == bdate,
                            entries_t.c.teller_code == teller,
                            entries_t.c.journal_sequence == sequence)
        return lines[0] if lines else None

    def entry_detail(self, journal_number: str) -> EntryDetail | None:
        """The entry with this 流水号 and the facts its voucher prints."""
        line = self.journal_line(journal_number)
        if line is None:
            return None
        with reader(self.engine) as conn:
            branch = conn.execute(select(entries_t.c.branch_code)
                                  .where(entries_t.c.id == line.entry_id)).scalar_one()
            legs = conn.execute(select(postings_t.c.account_number, postings_t.c.balance_after,
                                       accounts_t.c.kind, accounts_t.c.title,
                                       customers_t.c.name.label("customer_name"))
                                .join(accounts_t,
                                      accounts_t.c.number == postings_t.c.account_number)
                                .outerjoin(customers_t,
                                           customers_t.c.id == accounts_t.c.customer_id)
                                .where(postings_t.c.entry_id == line.entry_id)
                                .order_by(postings_t.c.leg)).all()
            authorizer = conn.execute(select(auth_t.c.supervisor_code).where(
                auth_t.c.entry_id == line.entry_id, auth_t.c.outcome == "granted")
                .order_by(auth_t.c.id)).scalars().first()
        shown = next((p for p in legs if p.account_number == line.account), None)
        counter = next((p.account_number for p in legs if p.kind not in INTERNAL_KINDS
                        and p.account_number != line.account), "")
        mode = ("cash" if any(p.kind == "cash_box" for p in legs)
                else "transfer" if counter else "")
        return EntryDetail(
            line=line, branch=branch,
            account_name=(shown.customer_name or shown.title) if shown is not None else "",
            balance_after=int(shown.balance_after) if shown is not None else None,
            counter_account=counter, mode=mode, authorizer=authorizer)

    def _lines(self, *conds) -> tuple[JournalLine, ...]:
        with reader(self.engine) as conn:
            rows = conn.execute(select(entries_t).where(*conds)
                                .order_by(entries_t.c.business_date,
                                          entries_t.c.journal_sequence)).all()
            if not rows:
                return ()
            ids = [r.id for r in rows]
            legs: dict[int, list] = {}
            for p in conn.execute(select(postings_t.c.entry_id, postings_t.c.account_number,
                                         postings_t.c.direction, postings_t.c.amount,
                                         accounts_t.c.kind)
                                  .join(accounts_t,
                                        accounts_t.c.number == postings_t.c.account_number)
                                  .where(postings_t.c.entry_id.in_(ids))
                                  .order_by(postings_t.c.entry_id, postings_t.c.leg)):
                legs.setdefault(p.entry_id, []).append(p)
            # Reversal links both ways, whichever side falls outside ``conds``.
            links = conn.execute(select(entries_t).where(or_(
                entries_t.c.reverses_entry_id.in_(ids),
                entries_t.c.id.in_([r.reverses_entry_id for r in rows
                                    if r.reverses_entry_id is not None] or [-1])))).all()
        by_id = {r.id: r for r in links}
        reversed_by = {r.reverses_entry_id: r for r in links if r.reverses_entry_id is not None}
        out = []
        for r in rows:
            entry_legs = legs.get(r.id, [])
            customer = [p for p in entry_legs if p.kind not in INTERNAL_KINDS]
            shown = (customer or entry_legs)
            rev = reversed_by.get(r.id)
            orig = by_id.get(r.reverses_entry_id) if r.reverses_entry_id else None
            status = "reversal" if r.reverses_entry_id else ("reversed" if rev else "posted")
            out.append(JournalLine(
                entry_id=r.id, journal_number=_journal_number(r), key=r.idempotency_key,
                teller=r.teller_code, business_date=r.business_date, created_at=r.created_at,
                txn_code=r.txn_code, step=r.step,
                account=shown[0].account_number if shown else "",
                amount=sum(int(p.amount) for p in entry_legs if p.direction == "D"),
                status=status, reversible=bool(r.reversible), offline=bool(r.offline),
                reverses_journal_number=_journal_number(orig) if orig is not None else None,
                reversed_by_journal_number=_journal_number(rev) if rev is not None else None,
                memo=r.memo))
        return tuple(out)

    # -- authorization -------------------------------------------------------
    def record_refusal(self, *, supervisor: str, teller: str, level: str,
                       reasons: tuple[str, ...], remark: str, txn_code: str) -> None:
        """A supervisor looked at the transaction and said no (授权拒绝)."""
        def work(conn):
            conn.execute(insert(auth_t).values(
                entry_id=None, supervisor_code=supervisor, teller_code=teller, level=level,
                reasons=json.dumps(list(reasons), ensure_ascii=False), outcome="refused",
                remark=remark[:200], txn_code=txn_code,
                created_at=self.clock().replace(tzinfo=None)))
        run_in_transaction(self.engine, work)
