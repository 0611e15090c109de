"""Personal media maintenance (存款凭证维护, CBUS 18040 §4.4): replacing a card or a
passbook. One core step, :meth:`MediaService.replace`, serves the general
replacement of 18040 (一般换发: a full or damaged passbook, a damaged card) and
the reissue after a loss report (挂失补发, 18020), which calls it with
``reason="loss_reissue"`` once it has checked the loss report itself.

Worked example::

    media = MediaService(engine, passbooks, verifier)
    media.replace(MediaReplacement("01012017000000011", "passbook", "000123457", "full"),
                  teller="T001")
    # -> ReplacedMedium(kind='passbook', old_number='000123456', new_number='000123457',
    #                   book_number=2)      the old book is voided, book 2 starts with 承前页

A new card gets a new password in the same transaction when a PIN block is
given (the stored value is bound to the card number, so the old one cannot
carry over — see :mod:`teller.core.accounts.pins`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.controls.models import AccountControl
from teller.core.ledger import models as m
from teller.core.vouchers.blank import post_using, void_returned_in
from teller.core.ledger.db import run_in_transaction
from teller.core.accounts.passbooks import (
    PassbookService, _business_date, _lock_account, record_change,
)
from teller.core.ledger.engine import PostingEngine
from teller.core.ledger.records import EntryRequest, PostedEntry, PostingRefused
from teller.domain.identity import check_card_number
from teller.domain.pin import PinBlock

accounts_t = m.Account.__table__
#: The blank-voucher kind (teller.core.vouchers.blank) each medium is drawn from.
VOUCHER_KINDS = {"passbook": "passbook", "card": "debit_card"}
controls_t = AccountControl.__table__

#: reason code -> (中文, English, allowed media)
REASONS = {
    "full": ("满页换折", "Passbook full", ("passbook",)),
    "damaged": ("损坏换发", "Damaged", ("passbook", "card")),
    "info_change": ("信息变更换发", "Details changed", ("passbook", "card")),
    "expired": ("到期换卡", "Card expired", ("card",)),
    "loss_reissue": ("挂失补发", "Reissue after loss", ("passbook", "card")),
}


@dataclass(frozen=True)
class MediaReplacement:
    account: str
    kind: str           # 'passbook' | 'card'
    new_number: str     # new passbook voucher number / new card number, from the teller's box
    reason: str
    new_pin: PinBlock | None = None  # card: the password set on the PIN pad for the new card
    pin: PinBlock | None = None      # the customer's current password, when the account has one
    voucher_number: str | None = None  # card: the blank card's stock serial (None: the smallest)


@dataclass(frozen=True)
class ReplacedMedium:
    account: str
    kind: str
    old_number: str
    new_number: str
    book_number: int | None = None
    posted: PostedEntry | None = None  # the entry that took the new medium from the box


class MediaService:
    def __init__(self, engine: Engine, passbooks: PassbookService, verifier=None,
                 pins=None, *, clock: Callable[[], dt.datetime] = dt.datetime.now,
                 posting: PostingEngine | None = None) -> None:
        self.engine = engine
        self.posting = posting or PostingEngine(engine, clock=clock)
        self.passbooks = passbooks
        self.verifier = verifier  # PinVerifier | None
        self.pins = pins          # CustomerPinService | None
        self.clock = clock

    def _verify(self, req: MediaReplacement) -> None:
        """凭密: the customer proves the password first (its own transaction, so a
        wrong PIN counts). A reissue after loss is checked by 18020 instead, and a
        full passbook is exchanged on sight of the book."""
        if req.reason in ("loss_reissue", "full"):
            return
        from teller.core.accounts.counter_rules import _needs_pin
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts_t).where(
                accounts_t.c.number == req.account)).first()
        if row is None or not _needs_pin(row):
            return
        if req.pin is None:
            raise PostingRefused("pin_required", "须客户在密码键盘输入原密码",
                                 "The customer must enter the PIN on the PIN pad",
                                 account=req.account)
        if self.pins is None:
            raise PostingRefused("pin_service_unavailable", "密码校验服务未配置",
                                 "No PIN verifier is configured", account=req.account)
        decision = self.pins.verify(req.account, req.pin)
        if not decision.accepted:
            raise PostingRefused(f"pin_{decision.result.value}", decision.message,
                                 decision.message_en, account=req.account)

    def replace(self, req: MediaReplacement, *, teller: str,
                entry: EntryRequest | None = None) -> ReplacedMedium:
        """一般换发 in one transaction. With ``entry`` (the step's request, legs
        empty) the new medium is the smallest of its kind in ``entry.teller``'s
        box — a passbook by ``new_number``, a card by the blank card's stock
        serial (``new_number`` is then the PAN read) — used by that entry (9001),
        and the old medium taken back is voided in the stock; any other passbook
        number is refused and nothing changes."""
        if req.reason not in REASONS or req.kind not in REASONS[req.reason][2]:
            raise PostingRefused("bad_reason", "换发原因与介质不符", "Reason does not fit the medium")
        if req.kind == "card" and check_card_number(req.new_number, "new_number"):
            raise PostingRefused("bad_card_number", "新卡号不正确", "Invalid new card number")
        self._verify(req)

        def work(conn: Connection) -> ReplacedMedium:
            if entry is not None and self.posting.find_in(conn, entry.key) is not None:
                # The same step again: answer with what it did.
                acct = _lock_account(conn, req.account)
                book = self.passbooks._active(conn, acct.number) if req.kind == "passbook" \
                    else None
                return ReplacedMedium(acct.number, req.kind, "", acct.medium_number or "",
                                      book.book_number if book else None,
                                      self.posting.find_in(conn, entry.key))
            acct = _lock_account(conn, req.account)
            if not str(acct.kind).startswith("personal"):
                raise PostingRefused("not_personal", "只能为个人账户换发介质",
                                     "Only personal accounts", account=acct.number)
            if acct.status in ("closed", "settled", "off_book"):
                raise PostingRefused(f"status_{acct.status}", "账户状态不允许换发介质",
                                     "The account's status does not allow it", account=acct.number)
            lost = conn.execute(select(controls_t.c.id).where(
                controls_t.c.account_number == acct.number, controls_t.c.kind == "loss_report",
                controls_t.c.status == "active")).first()
            if lost is not None and req.reason != "loss_reissue":
                raise PostingRefused("reported_lost", "账户已挂失，请通过挂失处理（18020）补发",
                                     "The account is reported lost; reissue through 18020",
                                     account=acct.number)
            taken = conn.execute(select(accounts_t.c.number).where(
                accounts_t.c.medium_number == req.new_number,
                accounts_t.c.number != acct.number)).first()
            if taken is not None:
                raise PostingRefused("medium_in_use", "新凭证号已被其他账户使用",
                                     "The new number belongs to another account")
            bdate = _business_date(conn, acct.branch_code)
            at = self.clock().replace(tzinfo=None)
            book_number = None
            if req.kind == "passbook":
                book = self.passbooks.replace_in(conn, acct, req.new_number, req.reason,
                                                 teller=teller, bdate=bdate)
                book_number = book.book_number
                values: dict = {"medium_kind": "passbook", "medium_number": req.new_number}
            else:
                values = {"medium_kind": "card", "medium_number": req.new_number}
                if req.new_pin is None and acct.pin_verification_value is not None:
                    # The stored value is bound to the old card number.
                    raise PostingRefused("new_pin_required", "换卡须由客户在密码键盘设置新卡密码",
                                         "The customer must set the new card's PIN",
                                         account=acct.number)
                if req.new_pin is not None:
                    if self.verifier is None:
                        raise PostingRefused("pin_service_unavailable", "密码校验服务未配置",
                                             "No PIN verifier is configured")
                    values.update(pin_verification_value=self.verifier.make_verification_value(
                        req.new_number, req.new_pin), pin_failures=0, pin_locked=False)
            old = acct.medium_number or ""
            conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number)
                         .values(**values))
            record_change(conn, account=acct.number, kind=req.kind, old=old,
                          new=req.new_number, reason=req.reason, bdate=bdate, teller=teller,
                          at=at)
            posted = None
            if entry is not None:
                vkind = VOUCHER_KINDS[req.kind]
                # The old medium comes back (a lost one does not: 18020 reissue).
                if req.reason != "loss_reissue":
                    void_returned_in(conn, branch=entry.branch, operator=entry.teller,
                                     entry_key=entry.key, kind=vkind, account=acct.number)
                posted = post_using(conn, self.posting, entry, kind=vkind,
                                    number=req.new_number if req.kind == "passbook"
                                    else req.voucher_number, account=acct.number)
            return ReplacedMedium(acct.number, req.kind, old, req.new_number, book_number,
                                  posted)
        return run_in_transaction(self.engine, work)
