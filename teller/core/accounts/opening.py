"""Personal current account opening (个人活期开户, CBUS 10010) in the core.

One step, :class:`AccountOpening` (:class:`AccountOpeningRule`), carried by the
opening step's journal entry: inside that entry's single database transaction it
finds or creates the
customer, creates the account under a number reserved beforehand, stores the
password's verification value, the SMS signings (短信通知签约, ≤ 5 mobiles) and
the verification record (业务核实登记), and — when the customer deposits at
once — the entry's legs credit the new account. So an opening is all or
nothing: a teller who leaves midway leaves no account behind (a reserved
number is merely skipped), and a retry under the same key cannot open twice.

Reversal (08210, same day): the entry's legs are swapped (the opening deposit
goes back) and the rule's ``undo`` marks the account closed — possible only
while nothing else has touched it.

Worked example (see tests/transactions/test_personal_accounts.py)::

    number = personal.reserve_account_number("0101")   # '01012017000000047'
    req = EntryRequest(..., legs=(Leg(cash_box, "D", 10000), Leg(number, "C", 10000)),
                       attachments=(AccountOpening(number, customer, ...),
                                    VoucherUse("passbook", "10000001", number), CashCount(...)))
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from teller.core.accounts.events import events_of, record_event
from teller.core.accounts.models import AccountVerification, Passbook, Product, SmsSigning
from teller.core.accounts.passbooks import DEFAULT_GEOMETRY, PassbookGeometry, insert_book
from teller.core.accounts.rules import CLASS_BALANCE_CEILINGS
from teller.core.customers.service import (
    CustomerDetails, customer_problems, find_customer, save_customer,
)
from teller.core.ledger.accounts import new_account_number, open_account
from teller.core.ledger.models import Account, JournalEntry, Posting as PostingRow
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.vouchers.blank import VoucherUse
from teller.domain.identity import is_account_number_valid, is_luhn_valid

accounts_t = Account.__table__
products_t = Product.__table__
entries_t = JournalEntry.__table__
postings_t = PostingRow.__table__

sms_t = SmsSigning.__table__
books_t = Passbook.__table__
verifications_t = AccountVerification.__table__

ACCOUNT_CLASSES = (("I", "Ⅰ类户", "Class I"), ("II", "Ⅱ类户", "Class II"),
                   ("III", "Ⅲ类户", "Class III"))
WITHDRAWAL_METHODS = (("password", "凭密", "Password"),
                      ("certificate_password", "凭证件+密码", "ID document and password"))
SCOPES = (("all_branches", "全行通存通兑", "All branches"),
          ("this_branch", "仅本网点", "This branch only"))
MEDIUM_KINDS = (("card", "IC借记卡", "IC debit card"), ("passbook", "活期存折", "Passbook"))
VERIFY_METHODS = (("phone", "电话核实", "By telephone"), ("visit", "上门核实", "On-site visit"),
                  ("face_to_face", "面对面核实", "Face to face"),
                  ("other", "其他核实方式", "Other"))
#: Ⅲ类户 balance ceiling (fen): 2,000.00 yuan. Enforced by the posting engine.
CLASS_III_BALANCE_LIMIT_FEN = CLASS_BALANCE_CEILINGS["III"]
MAX_SMS_MOBILES = 5
_MOBILE = re.compile(r"1[3-9]\d{9}")
_MEDIUM_NUMBER = re.compile(r"\d{8,32}")
#: The blank-voucher kind (teller.core.vouchers.blank) each medium is drawn from.
MEDIUM_VOUCHER_KINDS = {"passbook": "passbook", "card": "debit_card"}


def _codes(choices) -> tuple[str, ...]:
    return tuple(c[0] for c in choices)


def reserve_account_number(conn: Connection, branch: str) -> str:
    """The next personal current account number of the branch (MOD 11,10 check digit)."""
    return new_account_number(conn, branch, "2017")


def medium_in_use(conn: Connection, kind: str, number: str) -> str | None:
    """The open account already holding this card/passbook number, if any."""
    return conn.execute(select(accounts_t.c.number).where(
        accounts_t.c.medium_kind == kind, accounts_t.c.medium_number == number,
        accounts_t.c.status != "closed")).scalars().first()


def bound_account_problem(conn: Connection, bound: str, customer_id: int | None
                          ) -> tuple[str, str] | None:
    """Why ``bound`` cannot be the class-I account a class II/III account is bound to."""
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == bound)).first()
    if r is None:
        return "绑定账户不存在", "The bound account does not exist"
    if r.kind != "personal_current" or r.account_class != "I":
        return "绑定账户须为Ⅰ类个人活期账户", "The bound account must be a class I current account"
    if r.status != "normal":
        return "绑定账户状态不正常", "The bound account is not in normal status"
    if customer_id is None or r.customer_id != customer_id:
        return "绑定账户须为本人同名Ⅰ类账户", "The bound account must belong to the same customer"
    return None


def _refuse(code: str, zh: str, en: str, account: str | None = None):
    raise PostingRefused(code, zh, en, account=account)


@dataclass(frozen=True)
class Verification:
    """业务核实登记: how the opening was verified, by whom."""

    method: str
    verifier_name: str = ""
    note: str = ""


@dataclass(frozen=True)
class AccountOpening(Attachment, wire_name="accounts.open"):
    """10010: open personal current account ``number`` (reserved beforehand) for
    the customer (found by the document, or created). The medium comes from the
    teller's box by the step's :class:`~teller.core.vouchers.blank.VoucherUse`."""

    number: str
    customer: CustomerDetails
    product: str
    account_class: str
    withdrawal_method: str
    scope: str
    medium_kind: str
    medium_number: str
    pin_value: str
    verification: Verification
    sms_mobiles: tuple[str, ...] = ()
    bound_account: str | None = None


class AccountOpeningRule(PostingRule):
    """个人活期开户 in the opening step's own entry: the customer, the account
    (before the legs' accounts are locked, so the opening deposit credits it),
    its password value, SMS signings, the verification record and — for a
    passbook — book 1. A reversal closes it again while nothing else has touched
    it (and the passbook goes back with it)."""

    name = "accounts.open"

    def __init__(self, geometry: PassbookGeometry = DEFAULT_GEOMETRY) -> None:
        self.geometry = geometry

    def applies(self, request) -> bool:
        return request.reverses_entry_id is not None or request.one(AccountOpening) is not None

    def prepare(self, p: Posting) -> None:
        a = p.request.one(AccountOpening)
        if a is not None:
            _open(p, a, self.geometry)

    def write(self, p: Posting) -> None:
        a = p.request.one(AccountOpening)
        if a is not None:
            record_event(p, a.number, "open", {}, p.notes[self.name])

    def undo(self, p: Posting) -> None:
        for row in events_of(p, "open"):
            _undo_open(p, row.account_number)


def _open(p: Posting, a: AccountOpening, geometry: PassbookGeometry) -> None:
    conn, req, bdate = p.conn, p.request, p.business_date
    number = a.number
    if not is_account_number_valid(number) or number[:4] != req.branch:
        _refuse("bad_number", "账号无效", "Invalid account number")
    if conn.execute(select(accounts_t.c.number).where(accounts_t.c.number == number)).first():
        _refuse("number_taken", f"账号 {number} 已存在", "The account number is taken")
    customer = a.customer.as_dict()
    problems = customer_problems(customer, require_name=False)
    if problems:
        _refuse("bad_customer", problems[0].message, problems[0].message_en)
    existing = find_customer(conn, a.customer.id_type, a.customer.id_number)
    if existing is None and not a.customer.name.strip():
        _refuse("bad_customer", "新客户须输入姓名", "A new customer needs a name")
    if existing is not None and a.customer.name.strip() \
            and a.customer.name.strip() != existing.name:
        _refuse("name_mismatch", "客户姓名与证件登记的不一致", "The name differs from the record")
    product = conn.execute(select(products_t).where(products_t.c.code == a.product)).first()
    if product is None or product.kind != "personal_current":
        _refuse("bad_product", "产品不是个人活期产品", "Not a personal current product")
    klass = a.account_class
    if klass not in _codes(ACCOUNT_CLASSES):
        _refuse("bad_class", "账户分类须为Ⅰ、Ⅱ或Ⅲ类", "Account class must be I, II or III")
    if a.withdrawal_method not in _codes(WITHDRAWAL_METHODS):
        _refuse("bad_method", "支取方式不正确", "Invalid withdrawal method")
    if a.scope not in _codes(SCOPES):
        _refuse("bad_scope", "通存通兑范围不正确", "Invalid scope")
    kind, medium = a.medium_kind, a.medium_number
    if kind not in _codes(MEDIUM_KINDS) or not _MEDIUM_NUMBER.fullmatch(medium):
        _refuse("bad_medium", "介质号码不正确", "Invalid medium number")
    if kind == "card" and not is_luhn_valid(medium):
        _refuse("bad_medium", "卡号校验位不正确", "Card number check digit is wrong")
    if kind == "passbook" and klass != "I":
        _refuse("wrong_medium", "Ⅱ、Ⅲ类户不能开立存折", "Class II/III accounts get no passbook")
    holder = medium_in_use(conn, kind, medium)
    if holder:
        _refuse("medium_in_use", f"该介质已用于账户 {holder}", "This medium is already in use")
    if not a.pin_value:
        _refuse("no_password", "开户须设置交易密码", "A password must be set")
    mobiles = list(a.sms_mobiles)
    if len(mobiles) > MAX_SMS_MOBILES or len(set(mobiles)) != len(mobiles) \
            or not all(_MOBILE.fullmatch(x) for x in mobiles):
        _refuse("bad_sms", "短信签约最多5个不重复的11位手机号",
                "SMS signing: at most 5 distinct 11-digit mobiles")
    v = a.verification
    if v.method not in _codes(VERIFY_METHODS) or len(v.verifier_name) > 40 \
            or len(v.note) > 200:
        _refuse("bad_verification", "核实方式不正确", "Invalid verification record")
    # The medium handed out is the smallest of its kind in the teller's box
    # (a passbook by its number; a card by the stock serial of the blank card,
    # docs/operations.md), used by this very entry (the voucher rule).
    use = p.request.one(VoucherUse)
    if use is None or use.kind != MEDIUM_VOUCHER_KINDS.get(kind) or use.account != number:
        _refuse("voucher_kind", "开户介质须取自柜员尾箱", "The medium must come from the teller's box")
    assert use is not None
    if kind == "passbook" and use.number != medium:
        _refuse("voucher_medium", f"存折号码须为尾箱凭证号 {use.number}",
                f"The passbook number must be the box's voucher {use.number}")
    cid, _, _ = save_customer(conn, customer, branch=req.branch, now=p.now)
    if klass != "I":
        problem = bound_account_problem(conn, a.bound_account or "", cid)
        if problem:
            _refuse("bad_binding", *problem)
    name = find_customer(conn, a.customer.id_type, a.customer.id_number).name
    open_account(conn, number=number, branch=req.branch, subject=product.subject_code,
                 title=name, kind="personal_current", opened_on=bdate, customer_id=cid,
                 product=product.code, account_class=klass, medium_kind=kind,
                 medium_number=medium, withdrawal_method=a.withdrawal_method, scope=a.scope)
    conn.execute(update(accounts_t).where(accounts_t.c.number == number).values(
        bound_account=a.bound_account if klass != "I" else None,
        pin_verification_value=a.pin_value, pin_failures=0, pin_locked=False))
    for mobile in mobiles:
        conn.execute(insert(sms_t).values(account_number=number, mobile=mobile,
                                          status="active", signed_on=bdate))
    conn.execute(insert(verifications_t).values(
        account_number=number, method=v.method, verifier_name=v.verifier_name,
        note=v.note, teller_code=req.teller, business_date=bdate))
    if kind == "passbook":  # 开户发折: book 1, printing from the first posting on
        insert_book(conn, number, 1, medium, 0, req.teller, bdate, geometry)
    p.fact("account_number", number)
    p.notes[AccountOpeningRule.name] = {"status": "normal", "customer_id": cid,
                                        "account_class": klass, "medium_kind": kind,
                                        "medium_number": medium}


def _undo_open(p: Posting, account: str) -> None:
    conn, original_id, bdate = p.conn, p.request.reverses_entry_id, p.business_date
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                     .with_for_update()).one()
    reversal_ids = select(entries_t.c.id).where(entries_t.c.reverses_entry_id == original_id)
    other = conn.execute(select(postings_t.c.id).where(
        postings_t.c.account_number == account, postings_t.c.entry_id != original_id,
        postings_t.c.entry_id != p.entry_id,
        postings_t.c.entry_id.not_in(reversal_ids))).first()
    if other is not None or int(r.balance) != 0:
        _refuse("account_used", "该账户开户后已有其他交易，请先冲正后续交易",
                "The account has later transactions; reverse them first", account)
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(
        status="closed", closed_on=bdate))
    conn.execute(update(sms_t).where(sms_t.c.account_number == account)
                 .values(status="cancelled"))
    # The passbook handed over at the opening is taken back with it; its blank
    # voucher goes back to the box through the voucher rule's own undo.
    conn.execute(update(books_t).where(books_t.c.account_number == account,
                                       books_t.c.status == "active")
                 .values(status="voided", voided_on=bdate, void_reason="opening_reversed"))
