"""What the other areas plug into day end and day open (日终/开门挂接) — the one
place they are registered. :mod:`teller.core.day.eod` imports this module, so the
lists are complete whenever the batch is importable.

Blockers (日终检查), ``fn(conn, branch, business_date) -> [Problem]``:

- the cash side (:func:`teller.core.cash.teller_day.day_end_blockers`): tellers
  still signed on, boxes not balanced back into the vault, cash in transit,
  over/short items waiting for a supervisor;
- quick freezes/deductions (快速冻结/扣划) whose documents were not completed
  (``judicial_cases.complete`` false) — a supervisor item;
- the blank-voucher tie-out is :mod:`teller.core.day.eod`'s own.

Time-driven hooks (:class:`TimeHook`), in this order:

1. ``before_close`` — 定期到期转存 (time-deposit maturities of D): they post
   through the kernel, so they run while the branch is still open,
   after the blockers passed (no teller signed on) and before it goes to
   ``closing``;
2. ``day_open`` — 口头挂失到期解除 and 冻结/控制到期解除 with the new business
   date N ("at the start of each business day"): both functions end what
   expired *before* the date they are given, and both are safe to run twice,
   so :func:`teller.core.day.eod.open_business_day` may run them again.

Each hook's changes are journaled/audited by its own module; the batch adds
its result to the run's ``steps`` / the ``day_open`` audit event.

>>> [h.name for h in TIME_HOOKS]
['time_deposit_maturities', 'loss_expiries', 'control_expiries']
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from teller.core.cash import teller_day
from teller.core.controls.expiries import apply_control_expiries
from teller.core.controls.models import JudicialCase
from teller.core.loss.reports import apply_loss_expiries
from teller.core.time_deposits.maturity import mature_time_deposits
from teller.domain.problems import Problem

cases_t = JudicialCase.__table__

PHASES = ("before_close", "batch", "day_open")


@dataclass(frozen=True)
class TimeHook:
    """One time-driven effect. ``before_close`` and ``day_open`` hooks are
    ``fn(engine, branch, date, *, operator, clock, post)`` and run in their own
    transactions (``post`` is the kernel's, with the bank's rules); ``batch``
    hooks are ``fn(conn, branch, date)`` inside the batch's transaction."""

    name: str
    phase: str
    fn: Callable


# -- blockers --------------------------------------------------------------------
def cash_blockers(conn: Connection, branch: str, business_date: dt.date) -> list[Problem]:
    """柜员未签退、尾箱未入库、现金在途、长短款待处理."""
    del business_date
    return teller_day.day_end_blockers(conn, branch)


def incomplete_judicial_cases(conn: Connection, branch: str,
                              business_date: dt.date) -> list[Problem]:
    """快速冻结/扣划未补录: the supervisor must complete the documents first."""
    del business_date
    rows = conn.execute(select(cases_t.c.incident_number, cases_t.c.account_number,
                               cases_t.c.created_by)
                        .where(cases_t.c.branch_code == branch, cases_t.c.complete.is_(False))
                        .order_by(cases_t.c.incident_number)).all()
    return [Problem(f"judicial:{r.incident_number}",
                    f"快速冻结/扣划 {r.incident_number}（账户 {r.account_number}，"
                    f"柜员 {r.created_by}）未补录法律文书",
                    f"Quick freeze/deduction {r.incident_number} lacks its documents")
            for r in rows]


# -- time-driven ----------------------------------------------------------------
def time_deposit_maturities(engine: Engine, branch: str, business_date: dt.date, *,
                            operator: str, clock: Callable[[], dt.datetime],
                            post: Callable) -> dict:
    """定期到期: auto-rollover deposits maturing by D roll over; withdrawn ones close."""
    del clock
    r = mature_time_deposits(engine, business_date, operator=operator, post=post,
                             terminal="BATCH", branch=branch)
    return {"rolled_over": [x.account for x in r.rolled_over], "closed": list(r.closed),
            "matured_kept": list(r.matured_kept), "refused": [list(x) for x in r.refused]}


def loss_expiries(engine: Engine, branch: str, business_date: dt.date, *,
                  operator: str, clock: Callable[[], dt.datetime], post: Callable) -> list[str]:
    """口头挂失满 5 天自动解除."""
    del branch, post
    return list(apply_loss_expiries(engine, business_date, user=operator, clock=clock))


def control_expiries(engine: Engine, branch: str, business_date: dt.date, *,
                     operator: str, clock: Callable[[], dt.datetime],
                     post: Callable) -> list[dict]:
    """冻结/止付/限额到期解除; the queued freeze takes over (轮候冻结生效)."""
    del branch, operator, post
    return apply_control_expiries(engine, business_date, clock=clock)


BLOCKERS: tuple[Callable, ...] = (cash_blockers, incomplete_judicial_cases)
TIME_HOOKS: tuple[TimeHook, ...] = (
    TimeHook("time_deposit_maturities", "before_close", time_deposit_maturities),
    TimeHook("loss_expiries", "day_open", loss_expiries),
    TimeHook("control_expiries", "day_open", control_expiries),
)
