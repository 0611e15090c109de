"""Personal current account opening (个人活期开户, CBUS 10010) in the core.

One core action, ``account.open``, carried by the opening step's journal entry:
inside that entry's single database transaction it finds or creates the
customer, creates the account under a number reserved beforehand, stores the
password's verification value, the SMS signings (短信通知签约, ≤ 5 mobiles) and
the verification record (业务核实登记), and — when the customer deposits at
once — the entry's legs credit the new account. So an opening is all or
nothing: a teller who leaves midway leaves no account behind (a reserved
number is merely skipped), and a retry under the same key cannot open twice.

Reversal (08210, same day): the entry's legs are swapped (the opening deposit
goes back) and :func:`undo_account_events` marks the account closed — possible
only while nothing else has touched it.

Worked example (see tests/transactions/test_personal_accounts.py)::

    number = personal.reserve_account_number("0101")   # '01012017000000047'
    req = EntryRequest(..., legs=(Leg(cash_box, "D", 10000), Leg(number, "C", 10000)),
                       effect="account.open", effect_args=json.dumps({...}))
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from teller.core.accounts.models import Product
from teller.core.ledger import models as m
from teller.core.customers.service import customer_problems, find_customer, save_customer
from teller.core.ledger.accounts import new_account_number, open_account
from teller.core.accounts.models import Passbook
from teller.core.accounts.models import AccountEvent, AccountVerification, SmsSigning
from teller.core.vouchers.blank import use_for_leg
from teller.core.ledger.engine import CLASS_BALANCE_CEILINGS, register_effect, register_reversal_hook
from teller.core.ledger.records import PostingRefused
from teller.domain.identity import is_account_number_valid, is_luhn_valid

accounts_t = m.Account.__table__
products_t = Product.__table__
entries_t = m.JournalEntry.__table__
postings_t = m.Posting.__table__

events_t = AccountEvent.__table__
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


def _apply_open(conn: Connection, req, args: dict, bdate: dt.date):
    number = args.get("number", "")
    if not is_account_number_valid(number) or number[:4] != req.branch:
        _refuse("bad_number", "账号无效", "Invalid account number")
    if conn.execute(select(accounts_t.c.number).where(accounts_t.c.number == number)).first():
        _refuse("number_taken", f"账号 {number} 已存在", "The account number is taken")
    customer = args.get("customer") or {}
    problems = customer_problems(customer, require_name=False)
    if problems:
        _refuse("bad_customer", problems[0].message, problems[0].message_en)
    existing = find_customer(conn, customer["id_type"], customer["id_number"])
    if existing is None and not (customer.get("name") or "").strip():
        _refuse("bad_customer", "新客户须输入姓名", "A new customer needs a name")
    if existing is not None and (customer.get("name") or "").strip() \
            and customer["name"].strip() != existing.name:
        _refuse("name_mismatch", "客户姓名与证件登记的不一致", "The name differs from the record")
    product = conn.execute(select(products_t).where(
        products_t.c.code == args.get("product"))).first()
    if product is None or product.kind != "personal_current":
        _refuse("bad_product", "产品不是个人活期产品", "Not a personal current product")
    klass = args.get("account_class")
    if klass not in _codes(ACCOUNT_CLASSES):
        _refuse("bad_class", "账户分类须为Ⅰ、Ⅱ或Ⅲ类", "Account class must be I, II or III")
    if args.get("withdrawal_method") not in _codes(WITHDRAWAL_METHODS):
        _refuse("bad_method", "支取方式不正确", "Invalid withdrawal method")
    if args.get("scope") not in _codes(SCOPES):
        _refuse("bad_scope", "通存通兑范围不正确", "Invalid scope")
    kind, medium = args.get("medium_kind"), args.get("medium_number") or ""
    if kind not in _codes(MEDIUM_KINDS) or not _MEDIUM_NUMBER.fullmatch(medium):
        _refuse("bad_medium", "介质号码不正确", "Invalid medium number")
    if kind == "card" and not is_luhn_valid(medium):
        _refuse("bad_medium", "卡号校验位不正确", "Card number check digit is wrong")
    if kind == "passbook" and klass != "I":
        _refuse("wrong_medium", "Ⅱ、Ⅲ类户不能开立存折", "Class II/III accounts get no passbook")
    holder = medium_in_use(conn, kind, medium)
    if holder:
        _refuse("medium_in_use", f"该介质已用于账户 {holder}", "This medium is already in use")
    if not args.get("pin_value"):
        _refuse("no_password", "开户须设置交易密码", "A password must be set")
    mobiles = list(args.get("sms_mobiles") or [])
    if len(mobiles) > MAX_SMS_MOBILES or len(set(mobiles)) != len(mobiles) \
            or not all(isinstance(x, str) and _MOBILE.fullmatch(x) for x in mobiles):
        _refuse("bad_sms", "短信签约最多5个不重复的11位手机号",
                "SMS signing: at most 5 distinct 11-digit mobiles")
    verification = args.get("verification") or {}
    if verification.get("method") not in _codes(VERIFY_METHODS) \
            or len(verification.get("verifier_name") or "") > 40 \
            or len(verification.get("note") or "") > 200:
        _refuse("bad_verification", "核实方式不正确", "Invalid verification record")

    # The medium handed out is the smallest of its kind in the teller's box
    # (a passbook by its number; a card by the stock serial of the blank card,
    # docs/operations.md), used by this very entry.
    voucher = args.get("voucher") or {}
    if voucher.get("kind") != MEDIUM_VOUCHER_KINDS.get(kind):
        _refuse("voucher_kind", "开户介质须取自柜员尾箱", "The medium must come from the teller's box")
    used = use_for_leg(conn, req, kind=voucher["kind"], number=voucher.get("number"),
                       account=number)
    if kind == "passbook" and used != medium:
        _refuse("voucher_medium", f"存折号码须为尾箱凭证号 {used}",
                f"The passbook number must be the box's voucher {used}")

    now = dt.datetime.now()
    cid, _, _ = save_customer(conn, customer, branch=req.branch, now=now)
    if klass != "I":
        problem = bound_account_problem(conn, args.get("bound_account") or "", cid)
        if problem:
            _refuse("bad_binding", *problem)
    name = find_customer(conn, customer["id_type"], customer["id_number"]).name
    open_account(conn, number=number, branch=req.branch, subject=product.subject_code,
                 title=name, kind="personal_current", opened_on=bdate, customer_id=cid,
                 product=product.code, account_class=klass, medium_kind=kind,
                 medium_number=medium, withdrawal_method=args["withdrawal_method"],
                 scope=args["scope"])
    conn.execute(update(accounts_t).where(accounts_t.c.number == number).values(
        bound_account=args.get("bound_account") if klass != "I" else None,
        pin_verification_value=args["pin_value"], pin_failures=0, pin_locked=False))
    for mobile in mobiles:
        conn.execute(insert(sms_t).values(account_number=number, mobile=mobile,
                                          status="active", signed_on=bdate))
    conn.execute(insert(verifications_t).values(
        account_number=number, method=verification["method"],
        verifier_name=verification.get("verifier_name") or "",
        note=verification.get("note") or "", teller_code=req.teller, business_date=bdate))
    after = {"status": "normal", "customer_id": cid, "account_class": klass,
             "medium_kind": kind, "medium_number": medium}
    return lambda entry_id: record_event(conn, entry_id, number, "open", {}, after, bdate)


def record_event(conn: Connection, entry_id: int, account: str, kind: str, before: dict,
                 after: dict, bdate: dt.date) -> None:
    conn.execute(insert(events_t).values(
        entry_id=entry_id, account_number=account, kind=kind,
        before=json.dumps(before, ensure_ascii=False, default=str),
        after=json.dumps(after, ensure_ascii=False, default=str), status="active",
        business_date=bdate, created_at=dt.datetime.now()))


def _undo_open(conn: Connection, account: str, original_id: int, bdate: dt.date) -> None:
    r = conn.execute(select(accounts_t).where(accounts_t.c.number == account)
                     .with_for_update()).one()
    reversal_ids = select(entries_t.c.id).where(entries_t.c.reverses_entry_id == original_id)
    other = conn.execute(select(postings_t.c.id).where(
        postings_t.c.account_number == account, postings_t.c.entry_id != original_id,
        postings_t.c.entry_id.not_in(reversal_ids))).first()
    if other is not None or int(r.balance) != 0:
        _refuse("account_used", "该账户开户后已有其他交易，请先冲正后续交易",
                "The account has later transactions; reverse them first", account)
    conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(
        status="closed", closed_on=bdate))
    conn.execute(update(sms_t).where(sms_t.c.account_number == account)
                 .values(status="cancelled"))
    # The passbook handed over at the opening is taken back with it; its blank
    # voucher goes back to the box through blank_vouchers' own reversal hook.
    conn.execute(update(books_t).where(books_t.c.account_number == account,
                                       books_t.c.status == "active")
                 .values(status="voided", voided_on=bdate, void_reason="opening_reversed"))


#: kind -> undo(conn, account, event_row, original_entry_id, business_date)
UNDO: dict[str, Any] = {}


def undo_account_events(conn: Connection, original_entry_id: int, bdate: dt.date) -> None:
    """Reversal hook: undo, newest first, what an entry's core action changed."""
    rows = conn.execute(select(events_t).where(
        and_(events_t.c.entry_id == original_entry_id, events_t.c.status == "active"))
        .order_by(events_t.c.id.desc())).all()
    for row in rows:
        if row.kind == "open":
            _undo_open(conn, row.account_number, original_entry_id, bdate)
        else:
            UNDO[row.kind](conn, row, bdate)
        conn.execute(update(events_t).where(events_t.c.id == row.id).values(status="reversed"))


register_effect("account.open", _apply_open)
register_reversal_hook(undo_account_events)
