"""The account controls' posting rules (账户控制规则): what a control lets through,
and the available balance.

- :class:`ControlBlocksRule` — with the account's active controls read as it is
  locked: sealed 封存, receive-only 只收不付, full and one-way freezes and a loss
  report (挂失) stop debits; pay-only 只付不收 and a full freeze stop credits;
- :class:`AvailableBalanceRule` — a debit may take at most
  :func:`available_balance`: balance less holds (圈存) and partial freezes
  (部分冻结), plus any overdraft. A court deduction passes the freezes and a loss
  report, a bank deduction the holds;
- the deductions that may pass them prove themselves in their own rules:
  ``judicial.JudicialDeductionRule`` (协助扣划) and ``controls.HoldDeductionRule``
  (银行扣款 from a hold).

>>> available_balance(100_000, 0, (("hold", 30_000), ("freeze_partial", 20_000)))
50000
>>> debit_block("normal", {"loss_report"})[0]
'control_loss_report'
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import String, cast, func, literal, or_, select

from teller.core.accounts.rules import status_problem
from teller.core.controls.models import AccountControl
from teller.core.ledger.models import Account
from teller.core.ledger.records import PostingRefused
from teller.core.ledger.rules import Posting, PostingRule

controls_t = AccountControl.__table__
accounts_t = Account.__table__

#: Controls that stop money going out, and the purposes that may pass them.
OUTFLOW_BLOCKS = {
    "sealed": ("账户已封存，不能支取", "The account is sealed; no debits", ()),
    "receive_only": ("账户只收不付，不能支取", "The account is receive-only", ()),
    "freeze_full": ("账户已被司法冻结（不收不付）", "The account is frozen (full)",
                    ("judicial_deduction",)),
    "freeze_one_way": ("账户已被司法冻结（只收不付）", "The account is frozen (one-way)",
                       ("judicial_deduction",)),
    "loss_report": ("账户已挂失，不能支取或转出", "The account is reported lost",
                    ("judicial_deduction",)),
}
INFLOW_BLOCKS = {
    "pay_only": ("账户只付不收，不能存入", "The account is pay-only; no credits"),
    "freeze_full": ("账户已被司法冻结（不收不付），不能存入", "The account is frozen (full)"),
}
#: Controls that set an amount aside, and the purpose that may take it.
AMOUNT_BLOCKS = {"hold": "hold_deduction", "freeze_partial": "judicial_deduction"}
CASH_KINDS = frozenset({"cash_box", "vault"})
CONTROLS = "controls"  # the account column: its active controls as "kind:amount,…"


def available_balance(balance: int, overdraft_limit: int | None,
                      controls: Iterable[tuple[str, int]], purpose: str = "normal") -> int | None:
    """可用余额: balance − holds − partial freezes + overdraft (the one definition;
    None when the account has no limit at all). A deduction may take the amount
    set aside for it (a bank deduction the holds, a court one the freezes)."""
    if overdraft_limit is None:
        return None
    blocked = sum(int(a) for k, a in controls
                  if k in AMOUNT_BLOCKS and AMOUNT_BLOCKS[k] != purpose)
    return int(balance) - blocked + int(overdraft_limit)


def debit_block(status: str, control_kinds: Iterable[str],
                purpose: str = "normal") -> tuple[str, str, str] | None:
    """(code, zh, en) of the status or control that stops a debit for
    ``purpose``, or None — for pages that must refuse before asking for
    anything else (a reported-lost account before the customer's PIN)."""
    problem = status_problem(status, outflow=True)
    if problem:
        return problem
    for kind in sorted(set(control_kinds) & OUTFLOW_BLOCKS.keys()):
        zh, en, allowed = OUTFLOW_BLOCKS[kind]
        if purpose not in allowed:
            return f"control_{kind}", zh, en
    return None


def parse_controls(text: str | None) -> tuple[tuple[str, int], ...]:
    """The account column's "kind:amount,kind:amount" as (kind, amount) pairs."""
    if not text:
        return ()
    return tuple((k, int(a)) for k, _, a in (item.partition(":") for item in text.split(",")))


def active_condition(business_date):
    """Controls in force on ``business_date`` (a date or a bind parameter)."""
    return (controls_t.c.status == "active") & (controls_t.c.starts_on <= business_date) & \
        or_(controls_t.c.expires_on.is_(None), controls_t.c.expires_on >= business_date)


class ControlBlocksRule(PostingRule):
    """控制: what the account's active controls let through (read as the account
    is locked, into the ``controls`` column :class:`AvailableBalanceRule` reads too)."""

    name = "controls.blocks"

    def account_columns(self, business_date):
        return {CONTROLS: select(func.aggregate_strings(
            controls_t.c.kind + literal(":") + cast(controls_t.c.amount, String), ","))
            .where(controls_t.c.account_number == accounts_t.c.number,
                   active_condition(business_date)).scalar_subquery()}

    def check(self, p: Posting) -> None:
        purpose = p.request.purpose
        for mv in p.moves:
            n = mv.leg.account
            kinds = {k for k, _ in parse_controls(getattr(mv.account, CONTROLS))}
            if mv.inflow:
                if p.is_reversal:
                    continue  # 冲正 puts money back where it came from, frozen or not
                for kind in sorted(kinds & INFLOW_BLOCKS.keys()):
                    zh, en = INFLOW_BLOCKS[kind]
                    raise PostingRefused(f"control_{kind}", f"{zh}：{n}", en, account=n)
                continue
            for kind in sorted(kinds & OUTFLOW_BLOCKS.keys()):
                zh, en, allowed = OUTFLOW_BLOCKS[kind]
                if purpose not in allowed:
                    raise PostingRefused(f"control_{kind}", f"{zh}：{n}", en, account=n)


class AvailableBalanceRule(PostingRule):
    """可用余额: a debit takes at most :func:`available_balance` (after the PIN,
    so a wrong PIN learns nothing of the balance)."""

    name = "controls.available"

    def check(self, p: Posting) -> None:
        purpose = p.request.purpose
        for mv in p.moves:
            if mv.inflow:
                continue
            acct = mv.account
            available = available_balance(mv.balance_before, acct.overdraft_limit,
                                          parse_controls(getattr(acct, CONTROLS)), purpose)
            if available is not None and mv.leg.amount > available:
                n = mv.leg.account
                raise PostingRefused(
                    "insufficient", f"可用余额不足：{n} 可用 {max(available, 0) / 100:,.2f} 元",
                    f"Insufficient available balance on {n}", account=n)
