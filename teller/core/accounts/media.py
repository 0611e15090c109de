"""Personal media maintenance (存款凭证维护, CBUS 18040 §4.4): replacing a card or a
passbook: one step, :class:`MediaReplacement` (:class:`MediaReplacementRule`),
for the general replacement of 18040 (一般换发: a full or damaged passbook, a
damaged card) and a full book met while printing up (18050).

Worked example::

    core.post(EntryRequest(..., txn_code="18040", step="replace", reversible=False,
                           attachments=(MediaReplacement(acct, "passbook", "10000002", "full"),
                                        MediumReturned("passbook", account=acct),
                                        VoucherUse("passbook", "10000002", acct))))
    # the old book is voided, book 2 starts with 承前页

A new card gets a new password in the same entry (:class:`NewPin`: the stored
value is bound to the card number, so the old one cannot carry over).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update

from teller.core.accounts.passbooks import (
    DEFAULT_GEOMETRY, PassbookGeometry, _lock_account, record_change, replace_book,
)
from teller.core.accounts.pin_verifier import PinAttemptPolicy, PinVerifier
from teller.core.accounts.rules import NewPin, needs_pin, proof_for, verify_proof
from teller.core.controls.models import AccountControl
from teller.core.ledger.models import Account
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.vouchers.blank import VoucherUse
from teller.domain.identity import check_card_number

accounts_t = Account.__table__
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
class MediaReplacement(Attachment, wire_name="accounts.media_replacement"):
    """一般换发 (and 18020's 挂失补发, ``reason="loss_reissue"``) of ``account``'s
    medium for ``new_number``. The step also carries the new medium's
    :class:`~teller.core.vouchers.blank.VoucherUse` (a passbook by its number, a
    card by its blank card's serial), the old one's
    :class:`~teller.core.vouchers.blank.MediumReturned` (not for a lost one),
    the customer's PIN when the account has one (not for a full passbook or a
    reissue after loss) and, for a card, the new card's :class:`NewPin`."""

    account: str
    kind: str           # 'passbook' | 'card'
    new_number: str     # new passbook voucher number / new card number (the PAN read)
    reason: str


class MediaReplacementRule(PostingRule):
    """换发: the old medium out, the new one in, before the accounts are locked
    (the customer's PIN is checked against the old medium first); a passbook's
    new book carries the pointer on (承前页)."""

    name = "accounts.media_replacement"

    def __init__(self, verifier: Callable[[], PinVerifier | None],
                 geometry: PassbookGeometry = DEFAULT_GEOMETRY,
                 policy: PinAttemptPolicy = PinAttemptPolicy()) -> None:
        self.verifier = verifier
        self.geometry = geometry
        self.policy = policy

    def applies(self, request) -> bool:
        return request.one(MediaReplacement) is not None

    def prepare(self, p: Posting) -> None:
        req = p.request.one(MediaReplacement)
        assert req is not None
        conn, bdate = p.conn, p.business_date
        if p.request.reversible:
            raise PostingRefused("media_irreversible", "换发介质不能冲正",
                                 "A replacement cannot be reversed")
        if req.reason not in REASONS or req.kind not in REASONS[req.reason][2]:
            raise PostingRefused("bad_reason", "换发原因与介质不符", "Reason does not fit the medium")
        if req.kind == "card" and check_card_number(req.new_number, "new_number"):
            raise PostingRefused("bad_card_number", "新卡号不正确", "Invalid new card number")
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
        if req.reason not in ("loss_reissue", "full") and needs_pin(acct):
            # 凭密: the customer proves the password (bound to the old medium) first.
            # A reissue after loss is proved by 18020; a full book on sight of it.
            verify_proof(p, acct, proof_for(p, acct.number), self.verifier(), self.policy)
        taken = conn.execute(select(accounts_t.c.number).where(
            accounts_t.c.medium_number == req.new_number,
            accounts_t.c.number != acct.number)).first()
        if taken is not None:
            raise PostingRefused("medium_in_use", "新凭证号已被其他账户使用",
                                 "The new number belongs to another account")
        vkind = VOUCHER_KINDS[req.kind]
        use = p.request.one(VoucherUse)
        if use is None or use.kind != vkind or use.account != acct.number or (
                req.kind == "passbook" and use.number != req.new_number):
            raise PostingRefused("voucher_kind", "新介质须取自柜员尾箱",
                                 "The new medium comes from the teller's box",
                                 account=acct.number)
        if req.kind == "passbook":
            replace_book(conn, acct, req.new_number, req.reason, teller=p.request.teller,
                         bdate=bdate, geometry=self.geometry)
        elif acct.pin_verification_value is not None and not any(
                x.account == acct.number for x in p.request.all(NewPin)):
            # The stored value is bound to the old card number.
            raise PostingRefused("new_pin_required", "换卡须由客户在密码键盘设置新卡密码",
                                 "The customer must set the new card's PIN", account=acct.number)
        old = acct.medium_number or ""
        conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number)
                     .values(medium_kind=req.kind, medium_number=req.new_number))
        record_change(conn, account=acct.number, kind=req.kind, old=old, new=req.new_number,
                      reason=req.reason, bdate=bdate, teller=p.request.teller, at=p.now)
        p.fact("old_number", old)
        p.fact("new_number", req.new_number)
