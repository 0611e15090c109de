"""Voucher payload (凭证/回单): what a commit step hands to the printing hook.

A frozen record with everything a receipt or voucher prints; the layout lives in
``teller.printing`` (``Voucher.receipt()`` makes a ``receipt_layout.Receipt``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from teller.domain.money import Money, to_chinese_capital
from teller.domain.receipt_layout import Receipt


def mask_account(number: str) -> str:
    """First 6 + **** + last 4, the way counter vouchers show a card or account."""
    number = number.strip()
    if len(number) > 10:
        return f"{number[:6]}****{number[-4:]}"
    return "****" + number[-4:] if len(number) > 4 else number


@dataclass(frozen=True)
class Voucher:
    bank: str
    branch: str
    branch_name: str
    txn_code: str
    txn_name: str
    txn_name_en: str
    account_masked: str
    account_name: str
    amount_fen: int
    amount_capital: str
    journal_number: str
    teller: str
    authorizer: str | None
    time: dt.datetime
    business_date: dt.date
    offline: bool = False
    mode: str = ""               # 'cash' | 'transfer' | ''
    counter_account_masked: str = ""
    balance_after: int | None = None
    memo: str = ""

    def receipt(self):
        """The same payload as a ``teller.domain.receipt_layout.Receipt``."""
        extra = tuple(x for x in (
            f"对方账号：{self.counter_account_masked}" if self.counter_account_masked else "",
            f"授权：{self.authorizer}" if self.authorizer else "",
            f"摘要：{self.memo}" if self.memo else "") if x)
        return Receipt(bank=self.bank, branch=self.branch_name, txn_name=self.txn_name,
                       txn_code=self.txn_code, account=self.account_masked,
                       amount_fen=self.amount_fen, amount_capital=self.amount_capital,
                       journal_no=self.journal_number, teller=self.teller, time=self.time,
                       offline=self.offline, extra_lines=extra)

    def to_dict(self) -> dict:
        return {"bank": self.bank, "branch": self.branch, "branch_name": self.branch_name,
                "txn_code": self.txn_code, "txn_name": self.txn_name,
                "account": self.account_masked, "account_name": self.account_name,
                "amount_fen": self.amount_fen, "amount": Money(self.amount_fen).format(),
                "amount_capital": self.amount_capital, "journal_number": self.journal_number,
                "teller": self.teller, "authorizer": self.authorizer,
                "time": self.time.isoformat(timespec="seconds"),
                "business_date": self.business_date.isoformat(), "offline": self.offline,
                "mode": self.mode, "counter_account": self.counter_account_masked,
                "balance_after": self.balance_after, "memo": self.memo}


def make_voucher(ctx, posted, *, title: str, title_en: str, account: str, account_name: str,
                 amount_fen: int, mode: str = "", counter_account: str = "",
                 memo: str = "") -> Voucher:
    """Build the voucher of a posted step from its :class:`StepContext`."""
    s = ctx.services
    return Voucher(
        bank=s.branch_info.bank_name, branch=s.branch, branch_name=s.branch_info.name,
        txn_code=ctx.code, txn_name=title, txn_name_en=title_en,
        account_masked=mask_account(account), account_name=account_name,
        amount_fen=amount_fen, amount_capital=to_chinese_capital(Money(amount_fen)),
        journal_number=posted.journal_number, teller=s.teller,
        authorizer=ctx.authorization.supervisor if ctx.authorization else None,
        time=posted.created_at, business_date=posted.business_date, offline=ctx.offline,
        mode=mode, counter_account_masked=mask_account(counter_account) if counter_account
        else "", balance_after=posted.balance_of(account), memo=memo)
