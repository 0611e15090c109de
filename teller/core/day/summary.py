"""Branch day summary by GL subject (网点日终科目汇总) — and the proof that it ties.

For a branch and a business date, each subject's opening balance, the day's
debits and credits, and its closing balance::

    summary = branch_day_summary(engine, "0101", date(2026, 11, 23))
    summary.subjects[0]   # SubjectTotal('1001', '库存现金', 'D', opening, debit, credit, closing, n)
    summary.problems      # () when it ties; Problem records when it does not

Balances follow each subject's natural side (see ``models``): a debit-natured
subject closes at ``opening + debit − credit``, a credit-natured one at
``opening + credit − debit``. Movements are taken from the postings of the
branch's accounts on entries of that business date; the closing balance is
read from the ledger accounts — today's ``accounts.balance`` sum minus the
movements of later business dates — and each subject's account balances must
equal the signed sum of all its postings ever (分户账 = 总账). So must the
day's on-balance debits and credits in total (off-balance subjects such as
9001, which counts blank vouchers in units, are single-entry). Any disagreement is a
Problem in the summary, never silently "adjusted".
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.domain.money import Money
from teller.domain.problems import Problem

accounts_t = m.Account.__table__
postings_t = m.Posting.__table__
entries_t = m.JournalEntry.__table__
subjects_t = m.GlSubject.__table__
branches_t = m.Branch.__table__


@dataclass(frozen=True)
class SubjectTotal:
    subject: str
    name: str
    side: str
    on_balance_sheet: bool
    opening: int
    debit: int
    credit: int
    closing: int
    postings: int


@dataclass(frozen=True)
class DaySummary:
    branch: str
    branch_name: str
    bank_name: str
    business_date: dt.date
    subjects: tuple[SubjectTotal, ...]
    entries: int
    problems: tuple[Problem, ...]

    @property
    def ties(self) -> bool:
        return not self.problems


def _movements(conn, branch: str, date_cond):
    """(subject -> (debit, credit, count)) for postings of ``branch``'s accounts."""
    q = (select(postings_t.c.subject_code,
                func.coalesce(func.sum(case((postings_t.c.direction == "D",
                                             postings_t.c.amount), else_=0)), 0),
                func.coalesce(func.sum(case((postings_t.c.direction == "C",
                                             postings_t.c.amount), else_=0)), 0),
                func.count())
         .select_from(postings_t.join(entries_t, entries_t.c.id == postings_t.c.entry_id)
                      .join(accounts_t, accounts_t.c.number == postings_t.c.account_number))
         .where(and_(accounts_t.c.branch_code == branch, date_cond))
         .group_by(postings_t.c.subject_code))
    return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in conn.execute(q)}


def _signed(side: str, debit: int, credit: int) -> int:
    return debit - credit if side == "D" else credit - debit


def branch_day_summary(engine: Engine, branch: str, business_date: dt.date) -> DaySummary:
    with reader(engine) as conn:
        b = conn.execute(select(branches_t).where(branches_t.c.code == branch)).first()
        if b is None:
            return DaySummary(branch, "", "", business_date, (), 0,
                              (Problem("branch", f"网点 {branch} 不存在",
                                       f"Branch {branch} does not exist"),))
        subjects = conn.execute(select(subjects_t).order_by(subjects_t.c.code)).all()
        today = _movements(conn, branch, entries_t.c.business_date == business_date)
        later = _movements(conn, branch, entries_t.c.business_date > business_date)
        ever = _movements(conn, branch, entries_t.c.business_date.isnot(None))
        current = {r[0]: int(r[1]) for r in conn.execute(
            select(accounts_t.c.subject_code, func.coalesce(func.sum(accounts_t.c.balance), 0))
            .where(accounts_t.c.branch_code == branch).group_by(accounts_t.c.subject_code))}
        entries = conn.execute(
            select(func.count()).select_from(entries_t)
            .where(and_(entries_t.c.branch_code == branch,
                        entries_t.c.business_date == business_date))).scalar_one()

    rows, problems = [], []
    for s in subjects:
        ed, ec, _ = ever.get(s.code, (0, 0, 0))
        if current.get(s.code, 0) != _signed(s.side, ed, ec):
            problems.append(Problem(
                "", f"科目 {s.code} 分户账余额 {Money(current.get(s.code, 0)).format()} "
                    f"与总账发生额 {Money(_signed(s.side, ed, ec)).format()} 不符",
                f"Subject {s.code}: account balances do not equal its postings"))
        debit, credit, n = today.get(s.code, (0, 0, 0))
        ld, lc, _ = later.get(s.code, (0, 0, 0))
        closing = current.get(s.code, 0) - _signed(s.side, ld, lc)
        opening = closing - _signed(s.side, debit, credit)
        if not (opening or debit or credit or closing):
            continue
        rows.append(SubjectTotal(s.code, s.name, s.side, bool(s.on_balance_sheet), opening,
                                 debit, credit, closing, n))
    # Off-balance subjects (9001 counts blank vouchers) are kept single-entry
    # (表外科目单式记账: 收入/付出), so only the on-balance side must balance.
    d = sum(r.debit for r in rows if r.on_balance_sheet)
    c = sum(r.credit for r in rows if r.on_balance_sheet)
    if d != c:
        problems.append(Problem(
            "", f"表内科目借贷不平：借方 {Money(d).format()}，贷方 {Money(c).format()}",
            f"On-balance subjects do not balance: debits {Money(d).format()}, "
            f"credits {Money(c).format()}"))
    return DaySummary(branch, b.name, b.bank_name, business_date, tuple(rows), int(entries),
                      tuple(problems))
