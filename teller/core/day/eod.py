"""Day end (日终批处理) of one branch: close business date D, open the next.

``run_day_end(engine, branch)`` in this order:

1. **blockers** — every function in :data:`DAY_END_BLOCKERS` is asked (tellers
   signed on, cash boxes, in-transit, pending authorizations plug in here at
   merge; this module brings the blank-voucher tie-out). Any problem refuses
   the day end and changes nothing (an audit event records the refusal).
2. the branch goes to status ``closing`` in its own short transaction, so new
   postings are refused while the batch runs (a failed batch leaves it
   ``closing``; running ``teller eod`` again resumes).
3. in ONE transaction, each step a few set-wise statements (no Python loop
   per account):

   - **积数** (accrual): ``accrual += balance × days``, where days is the span
     from D to the next business date N — D counts (算头不算尾) and so do the
     closed days after it (a weekend, a holiday) at D's closing balance, the
     only balance those days can have. With every day a business day that is
     exactly "add the closing balance once" of the lead's convention.
   - **结息** (quarterly settlement) when the settlement day S (3/20, 6/20,
     9/20, 12/20) falls in [D, N): the accrual is first brought up to S
     inclusive, then interest = accrual × rate / 360 rounded half up (the same
     integer formula as ``teller.domain.interest.interest_on_accrual``,
     evaluated in SQL) is credited to every current account (products without
     a term, rate > 0) and accrual reset to 0; the days after S up to N start
     the next period's accrual at the new balance.
   - **睡眠** (dormant marking), :func:`mark_dormant`.
   - **time-driven hooks** of phase ``batch`` (:data:`TIME_DRIVEN_HOOKS`),
     called with (conn, branch, D).
   - **开门**: business date N (the business calendar, skipping weekends and
     holidays), status ``open``, a ``day_end_runs`` row and audit events.

Time-driven hooks of phase ``before_close`` (time-deposit maturities, which
post) run between the blocker check and step 2, while the branch is still open;
those of phase ``day_open`` (loss and control expiries) run for N after the
batch committed, by :func:`open_business_day` — which may also be run on its own
at the start of a business day and is idempotent. What is registered, and in
which order, is :mod:`teller.core.day.hooks`.

How ~1M interest credits post set-wise and still balanced and hash-chained:
the batch operator ``EOD<branch>`` posts one journal entry per chunk of
:data:`CHUNK` accounts (keyset order by account number): leg 1 debits the
branch's 6411 interest-expense account with the chunk's total, legs 2…n credit
each account. The chunk's legs are read once to compute the entry hash
(``ledger.journal.append_entry``, the same numbering and chain as every
posting, and the canonical form ``teller check`` recomputes),
the entry row is inserted with that hash, and the postings are written by one
``INSERT … SELECT`` with the same expression and filter; one ``UPDATE`` then
moves every balance and resets the accruals. Each entry balances on its own;
the batch operator's chain links the entries like any teller's.

Interest is credited even on a frozen account (冻结期间利息照常计付); the
posting engine's control checks are for customer-initiated movements.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from teller.core.operators.models import User
from teller.core.day import hooks as eod_hooks
from teller.core.ledger import models as m
from teller.core.vouchers.stock import tie_out_problems
from teller.core.ledger.db import run_in_transaction
from teller.core.ledger.accounts import internal_account, open_account
from teller.core.day.models import DayEndRun
from teller.core.ledger import journal
from teller.domain.calendar import BusinessCalendar, load_holidays, settlement_day_in
from teller.domain.problems import Problem

branches_t = m.Branch.__table__
users_t = User.__table__
heads_t = m.TellerJournalHead.__table__
entries_t = m.JournalEntry.__table__
audit_t = m.AuditEvent.__table__
runs_t = DayEndRun.__table__

CHUNK = 10_000
INTEREST_TXN = "99010"  # 批量结息 (the manual's 18410 is the single-account one)
DORMANT_AFTER_YEARS = 5
DORMANT_KINDS = ("personal_current", "unit_current")
ACCRUING_STATUSES = ("normal", "dormant")
HOLIDAY_DIR = Path(__file__).resolve().parents[3] / "resources" / "holidays"

Blocker = Callable[[Connection, str, dt.date], Iterable["Problem | tuple[str, str]"]]
TimeHook = eod_hooks.TimeHook

#: Day-end blockers: ``fn(conn, branch, business_date) -> [Problem, …]`` (a
#: (zh, en) pair is accepted and made a Problem). Registered in eod_hooks.
DAY_END_BLOCKERS: list[Blocker] = [tie_out_problems, *eod_hooks.BLOCKERS]
#: Time-driven effects (see eod_hooks.TimeHook for the phases); a plain
#: function is a ``batch`` hook ``fn(conn, branch, business_date)``. Return
#: values are logged in the run.
TIME_DRIVEN_HOOKS: list = list(eod_hooks.TIME_HOOKS)


def as_problem(p: "Problem | tuple[str, str]") -> Problem:
    return p if isinstance(p, Problem) else Problem("day_end", p[0], p[1])


class DayEndRefused(Exception):
    """The day end cannot run; ``problems`` are :class:`Problem`, nothing changed."""

    def __init__(self, problems: list) -> None:
        self.problems = [as_problem(p) for p in problems]
        super().__init__("; ".join(p.message for p in self.problems))


def _hooks(phase: str) -> list[TimeHook]:
    return [h if isinstance(h, TimeHook) else TimeHook(getattr(h, "__name__", repr(h)),
                                                        "batch", h)
            for h in TIME_DRIVEN_HOOKS
            if (h.phase if isinstance(h, TimeHook) else "batch") == phase]


@dataclass
class DayEndResult:
    branch: str
    business_date: dt.date
    next_business_date: dt.date
    accrued_accounts: int = 0
    settled_accounts: int = 0
    interest_total: int = 0
    interest_entries: int = 0
    dormant_marked: int = 0
    hooks: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


def load_bank_calendar(directory: Path = HOLIDAY_DIR) -> BusinessCalendar:
    """Every ``*.txt`` holiday table in ``resources/holidays`` merged."""
    cal = BusinessCalendar()
    for path in sorted(directory.glob("*.txt")):
        cal = cal.merged(load_holidays(path.read_text(encoding="utf-8").splitlines()))
    return cal


def batch_operator(branch: str) -> str:
    return f"EOD{branch}"


def _ensure_batch_operator(conn: Connection, branch: str) -> str:
    code = batch_operator(branch)
    if conn.execute(select(users_t.c.code).where(users_t.c.code == code)).first() is None:
        # A disabled administrator nobody can sign on as: it only owns the
        # batch's journal chain.
        conn.execute(insert(users_t).values(
            code=code, name="日终批处理", role="administrator", auth_level=None,
            branch_code=branch, password_hash="!", must_change_password=False,
            consecutive_failures=0, total_failures=0, locked_by_policy=False,
            status="disabled"))
    return code


def _audit(conn: Connection, at: dt.datetime, user: str, kind: str, detail: dict,
           outcome: str = "ok") -> None:
    conn.execute(insert(audit_t).values(at=at, user_code=user, terminal_code="BATCH", kind=kind,
                                        outcome=outcome,
                                        detail=json.dumps(detail, ensure_ascii=False,
                                                          default=str)))


def day_end_problems(conn: Connection, branch: str, business_date: dt.date
                     ) -> list[Problem]:
    out: list[Problem] = []
    for blocker in DAY_END_BLOCKERS:
        out.extend(as_problem(p) for p in blocker(conn, branch, business_date))
    return out


def day_end_blockers(engine: Engine, branch: str) -> list[Problem]:
    """What stands in the way of the branch's day end now (empty: it may run)."""
    def work(conn: Connection) -> list[Problem]:
        row = conn.execute(select(branches_t).where(branches_t.c.code == branch)).first()
        if row is None:
            return [Problem("branch", "网点不存在", "No such branch")]
        return day_end_problems(conn, branch, row.business_date)
    return run_in_transaction(engine, work)


# -- set-wise steps ----------------------------------------------------------
_SETTLING_PRODUCTS = "SELECT code FROM products WHERE term_months IS NULL AND annual_rate_micro > 0"


def accrue(conn: Connection, branch: str, days: int, *, skip_settling: bool = False) -> int:
    """积数: every open account of ``branch`` adds ``balance × days``. One UPDATE.
    ``skip_settling`` leaves out the accounts that :func:`settle_interest` accrues
    itself on a settlement day (so each row is written once)."""
    if days <= 0:
        return 0
    skip = (f" AND (product_code IS NULL OR product_code NOT IN ({_SETTLING_PRODUCTS}))"
            if skip_settling else "")
    return conn.execute(text(
        "UPDATE accounts SET accrual = accrual + balance * :days "
        "WHERE branch_code = :b AND balance <> 0 AND status IN ('normal', 'dormant')" + skip),
        {"days": days, "b": branch}).rowcount


def _interest_sql(conn: Connection, accrual: str = "a.accrual") -> str:
    """accrual × rate(micro) / (10⁶ × 360), half up, exact — for accrual > 0."""
    if conn.dialect.name == "postgresql":
        return (f"div(2 * ({accrual})::numeric * p.annual_rate_micro + 360000000, 720000000)"
                "::bigint")
    return f"((2 * ({accrual}) * p.annual_rate_micro + 360000000) / 720000000)"


_SETTLED = ("a.branch_code = :b AND a.status IN ('normal', 'dormant') "
            "AND p.term_months IS NULL AND p.annual_rate_micro > 0")


def settle_interest(conn: Connection, branch: str, *, operator: str, business_date: dt.date,
                    at: dt.datetime, chunk: int = CHUNK, days_to_settle: int = 0,
                    days_after: int = 0) -> tuple[int, int, int, int]:
    """Credit every current account its interest and restart its accrual.

    The accrual settled is ``accrual + balance × days_to_settle`` (the days up to
    the settlement day inclusive, not yet accrued); afterwards accrual is
    ``new balance × days_after`` (closed days after it). So a settlement-day
    batch writes each current account once. Returns (accounts credited, total
    fen, entries posted, accounts updated)."""
    accrued = f"a.accrual + a.balance * {int(days_to_settle)}"
    interest = _interest_sql(conn, accrued)
    expense = internal_account(conn, branch, "interest_expense")
    if expense is None:
        expense = open_account(conn, branch=branch, subject="6411", title="利息支出",
                               kind="interest_expense", opened_on=business_date,
                               overdraft_limit=None)
    exp_row = conn.execute(select(m.Account.__table__.c.balance, m.Account.__table__.c.subject_code)
                           .where(m.Account.__table__.c.number == expense)
                           .with_for_update()).one()
    exp_balance = int(exp_row.balance)
    head = journal.lock_head(conn, operator, business_date)
    # The credits are computed once, set-wise, into a numbered work table; each
    # chunk of rn is then one entry: read back for its hash, inserted by one
    # INSERT … SELECT. (A keyset query per chunk would sort the branch each time.)
    conn.execute(text("DROP TABLE IF EXISTS eod_settlement"))
    conn.execute(text(
        "CREATE TEMP TABLE eod_settlement AS SELECT "
        "row_number() OVER (ORDER BY a.number) AS rn, a.number, a.subject_code, a.balance, "
        f"{interest} AS interest FROM accounts a JOIN products p ON p.code = a.product_code "
        f"WHERE {_SETTLED} AND {accrued} > 0 AND {interest} > 0"), {"b": branch})
    conn.execute(text("CREATE INDEX ix_eod_settlement_rn ON eod_settlement (rn)"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE eod_settlement"))
    credited, total, entries, last_id = 0, 0, 0, None
    memo = f"结息 {business_date:%Y%m%d}"
    while True:
        base = entries * chunk
        rows = conn.execute(text(
            "SELECT number, subject_code, balance, interest FROM eod_settlement "
            "WHERE rn > :lo AND rn <= :hi ORDER BY rn"), {"lo": base, "hi": base + chunk}).all()
        if not rows:
            break
        chunk_total = sum(int(r.interest) for r in rows)
        exp_balance += chunk_total
        legs = [{"leg": 1, "account_number": expense, "subject_code": exp_row.subject_code,
                 "direction": "D", "amount": chunk_total, "balance_after": exp_balance,
                 "memo": memo}]
        legs += [{"leg": i, "account_number": r.number, "subject_code": r.subject_code,
                  "direction": "C", "amount": int(r.interest),
                  "balance_after": int(r.balance) + int(r.interest), "memo": memo}
                 for i, r in enumerate(rows, start=2)]
        key = f"eod-{branch}-{business_date:%Y%m%d}-interest-{head.sequence + 1:06d}"
        entry = {
            "idempotency_key": key,
            "request_digest": hashlib.sha256(
                f"{key}|{rows[0].number}|{rows[-1].number}|{chunk_total}".encode()).hexdigest(),
            "branch_code": branch, "terminal_code": "BATCH", "created_at": at,
            "txn_code": INTEREST_TXN, "step": "interest_settlement", "purpose": "normal",
            "memo": f"批量结息 {len(rows)} 户", "reversible": False, "offline": False,
            "reverses_entry_id": None}
        # The chunk's legs are hashed here; the first is written with the entry,
        # the rest by one INSERT … SELECT with the same values.
        last_id = journal.append_entry(conn, head, entry, legs, write_postings=False)
        conn.execute(insert(m.Posting.__table__).values(**legs[0], entry_id=last_id))
        conn.execute(text(
            "INSERT INTO postings (entry_id, leg, account_number, subject_code, direction, "
            "amount, balance_after, memo) SELECT :eid, rn - :lo + 1, number, subject_code, "
            "'C', interest, balance + interest, :memo FROM eod_settlement "
            "WHERE rn > :lo AND rn <= :hi"),
            {"eid": last_id, "memo": memo, "lo": base, "hi": base + chunk})
        credited += len(rows)
        total += chunk_total
        entries += 1
        del rows, legs
    conn.execute(text("DROP TABLE eod_settlement"))
    if entries:
        conn.execute(update(m.Account.__table__).where(m.Account.__table__.c.number == expense)
                     .values(balance=exp_balance))
        journal.save_head(conn, head)
    # Balances and accruals move together, from the values before the update.
    paid = (f"CASE WHEN {accrued} > 0 THEN {interest} ELSE 0 END"
            .replace("a.", "accounts."))
    updated = conn.execute(text(
        f"UPDATE accounts SET balance = balance + {paid}, "
        f"accrual = (balance + {paid}) * {int(days_after)} FROM products p "
        f"WHERE p.code = accounts.product_code AND "
        f"{_SETTLED.replace('a.', 'accounts.')}"), {"b": branch}).rowcount
    return credited, total, entries, updated


def _years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year - years, day=28)


def mark_dormant(conn: Connection, branch: str, business_date: dt.date, *, operator: str,
                 at: dt.datetime, years: int = DORMANT_AFTER_YEARS) -> int:
    """睡眠: a customer's current account (personal or unit) in status normal,
    opened before the cutoff and with no movement since the cutoff other than
    the batch's own interest credits — i.e. no customer-initiated movement for
    ``years`` full years up to D — becomes ``dormant`` (18550 turns it back).
    One audit event per account (INSERT … SELECT), then one UPDATE."""
    cutoff = _years_before(business_date + dt.timedelta(days=1), years)
    kinds = ", ".join(f"'{k}'" for k in DORMANT_KINDS)
    where = (f"accounts.branch_code = :b AND accounts.status = 'normal' "
             f"AND accounts.customer_id IS NOT NULL AND accounts.kind IN ({kinds}) "
             f"AND accounts.opened_on < :cutoff AND NOT EXISTS (SELECT 1 FROM postings p "
             f"JOIN journal_entries e ON e.id = p.entry_id "
             f"WHERE p.account_number = accounts.number AND e.business_date >= :cutoff "
             f"AND e.teller_code <> :op)")
    params = {"b": branch, "cutoff": cutoff, "op": operator, "at": at, "who": operator}
    detail = "'{\"account\": \"' || accounts.number || '\", \"rule\": \"" \
             f"{years}y_no_customer_movement\"}}'"
    conn.execute(text(
        "INSERT INTO audit_events (at, user_code, terminal_code, kind, outcome, detail) "
        f"SELECT :at, :who, 'BATCH', 'account_dormant', 'ok', {detail} FROM accounts "
        f"WHERE {where}"), params)
    return conn.execute(text(f"UPDATE accounts SET status = 'dormant' WHERE {where}"),
                        params).rowcount


# -- the batch -----------------------------------------------------------------
def run_day_end(engine: Engine, branch: str, *, post: Callable,
                calendar: BusinessCalendar | None = None,
                clock: Callable[[], dt.datetime] = dt.datetime.now,
                chunk: int = CHUNK) -> DayEndResult:
    """Close the branch's business date and open the next (see the module doc).
    ``post`` is the kernel's (with the bank's rules) for the batch's postings.
    Raises :class:`DayEndRefused` when a blocker stands; nothing changes then."""
    cal = calendar if calendar is not None else load_bank_calendar()
    now = lambda: clock().replace(tzinfo=None)  # noqa: E731

    def check(conn: Connection, *, close: bool) -> tuple[dt.date, str]:
        row = conn.execute(select(branches_t).where(branches_t.c.code == branch)
                           .with_for_update()).first()
        if row is None:
            raise DayEndRefused([("网点不存在", "No such branch")])
        if row.status not in ("open", "closing"):
            raise DayEndRefused([(f"网点状态为 {row.status}，不能日终",
                                  f"The branch is {row.status}")])
        done = conn.execute(select(runs_t.c.id).where(
            runs_t.c.branch_code == branch, runs_t.c.business_date == row.business_date)).first()
        if done is not None:
            raise DayEndRefused([(f"{row.business_date} 已日终", "Day end already done")])
        problems = day_end_problems(conn, branch, row.business_date)
        if problems:
            raise DayEndRefused(problems)
        operator = _ensure_batch_operator(conn, branch)
        if close:
            conn.execute(update(branches_t).where(branches_t.c.code == branch)
                         .values(status="closing"))
            _audit(conn, now(), operator, "day_end_start",
                   {"branch": branch, "business_date": row.business_date})
        return row.business_date, row.status

    early: dict = {}
    try:
        bdate, status = run_in_transaction(engine, lambda c: check(c, close=False))
        # Maturities post, so they run while the branch is open; a resumed batch
        # (status 'closing') ran them before it closed.
        if status == "open":
            for hook in _hooks("before_close"):
                early[hook.name] = hook.fn(engine, branch, bdate,
                                           operator=batch_operator(branch), clock=clock,
                                           post=post)
        run_in_transaction(engine, lambda c: check(c, close=True))
    except DayEndRefused as exc:
        problems = [p.message for p in exc.problems]

        def log(conn: Connection) -> None:
            if conn.execute(select(branches_t.c.code).where(branches_t.c.code == branch)).first():
                _audit(conn, now(), batch_operator(branch), "day_end_refused",
                       {"branch": branch, "problems": problems}, "refused")
        run_in_transaction(engine, log)
        raise

    def batch(conn: Connection) -> DayEndResult:
        started = now()
        bdate = conn.execute(select(branches_t.c.business_date).where(
            branches_t.c.code == branch).with_for_update()).scalar_one()
        operator = batch_operator(branch)
        nxt = cal.next_working_day(bdate)
        res = DayEndResult(branch, bdate, nxt)
        settle_on = settlement_day_in(bdate, nxt)
        t0 = time.perf_counter()
        days = (nxt - bdate).days
        first_days = (settle_on - bdate).days + 1 if settle_on else days
        # On a settlement day the current accounts accrue inside the settlement.
        res.accrued_accounts = accrue(conn, branch, days, skip_settling=settle_on is not None)
        res.seconds["accrual"] = time.perf_counter() - t0
        if settle_on:
            t0 = time.perf_counter()
            (res.settled_accounts, res.interest_total, res.interest_entries,
             updated) = settle_interest(conn, branch, operator=operator, business_date=bdate,
                                        at=started, chunk=chunk, days_to_settle=first_days,
                                        days_after=days - first_days)
            res.accrued_accounts += updated
            res.seconds["settlement"] = time.perf_counter() - t0
            _audit(conn, now(), operator, "interest_settlement", {
                "branch": branch, "business_date": bdate, "settlement_day": settle_on,
                "accounts": res.settled_accounts, "interest_fen": res.interest_total,
                "entries": res.interest_entries})
        t0 = time.perf_counter()
        res.dormant_marked = mark_dormant(conn, branch, bdate, operator=operator, at=now())
        res.seconds["dormant"] = time.perf_counter() - t0
        res.hooks.update(early)
        for hook in _hooks("batch"):
            res.hooks[hook.name] = hook.fn(conn, branch, bdate)
        conn.execute(update(branches_t).where(branches_t.c.code == branch)
                     .values(business_date=nxt, status="open"))
        steps = {"accrued_accounts": res.accrued_accounts, "accrual_days": first_days,
                 "settlement_day": settle_on, "settled_accounts": res.settled_accounts,
                 "interest_fen": res.interest_total, "interest_entries": res.interest_entries,
                 "dormant_marked": res.dormant_marked, "hooks": res.hooks}
        conn.execute(insert(runs_t).values(
            branch_code=branch, business_date=bdate, next_business_date=nxt,
            started_at=started, finished_at=now(), operator=operator,
            steps=json.dumps(steps, ensure_ascii=False, default=str)))
        _audit(conn, now(), operator, "day_end_done", {"branch": branch, **steps,
                                                        "business_date": bdate})
        _audit(conn, now(), operator, "day_open", {"branch": branch, "business_date": nxt})
        return res

    result = run_in_transaction(engine, batch)
    result.hooks.update(open_business_day(engine, branch, post=post, clock=clock))
    return result


def open_business_day(engine: Engine, branch: str, *, post: Callable,
                      clock: Callable[[], dt.datetime] = dt.datetime.now) -> dict:
    """开门: the start-of-day hooks (expiries) for the branch's current business
    date. The day end runs it for the date it opens; running it again (a
    restarted batch, the terminal at sign-on) changes nothing, since each hook
    ends only what has not ended yet. Each run leaves a ``day_open_hooks`` audit
    event with what changed. Returns {hook name: result}."""
    def start(conn: Connection) -> tuple[dt.date, str]:
        row = conn.execute(select(branches_t.c.business_date, branches_t.c.status)
                           .where(branches_t.c.code == branch)).first()
        if row is None:
            raise DayEndRefused([("网点不存在", "No such branch")])
        _ensure_batch_operator(conn, branch)
        return row.business_date, row.status

    bdate, status = run_in_transaction(engine, start)
    if status != "open":
        return {}
    operator = batch_operator(branch)
    out = {hook.name: hook.fn(engine, branch, bdate, operator=operator, clock=clock, post=post)
           for hook in _hooks("day_open")}
    run_in_transaction(engine, lambda conn: _audit(
        conn, clock().replace(tzinfo=None), operator, "day_open_hooks",
        {"branch": branch, "business_date": bdate, **out}))
    return out


def day_end_runs(engine: Engine, branch: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(runs_t).where(runs_t.c.branch_code == branch).order_by(runs_t.c.id))]

