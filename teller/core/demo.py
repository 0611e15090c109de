"""``teller demo``: a demo branch with users, customers and funded accounts.

Every user's password is the documented demo password ``demo123`` (letters and
digits, as the policy demands) and is *not* marked for change, so a newcomer can
sign on straight away; a real bank creates users through the administrator
screens, where the first sign-on forces a change.

All money arrives through the posting engine — the vault is funded from
clearing (3010), the tellers' boxes from the vault, customer accounts by cash
deposits — so ``teller check`` passes on a fresh demo database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from teller.core.accounts.models import Product
from teller.core.cash.counts import CashCount, active_denominations
from teller.core.cash.large_cash import LARGE_CASH_FEN, FundsDeclaration
from teller.core.cash.models import CashBox
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import (
    create_branch, internal_account, open_account,
)
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.records import EntryRequest, Leg
from teller.core.loss.models import LossFeeRate
from teller.core.operators.service import OperatorService, create_terminal
from teller.core.rulebook import ledger
from teller.core.vouchers.blank import (
    BlankVoucherService, VoucherIssue, VoucherReceive, ensure_default_kinds,
)
from teller.domain import cash as dc
from teller.domain.identity import luhn_check_digit, resident_id_check_char

DEMO_PASSWORD = "demo123"
BRANCH = "0101"
BANK = "演示农村商业银行"

USERS = (  # code, name, role, level
    ("T001", "张柜员", "teller", None),
    ("T002", "李柜员", "teller", None),
    ("S001", "王主管", "supervisor", "B"),
    ("S002", "赵主管", "supervisor", "A"),
    ("A001", "钱管密", "atm_custodian", None),
    ("A002", "孙管钥", "atm_custodian", None),
    ("ADM1", "周管理", "administrator", None),
)

PRODUCTS = (  # code, name, kind, subject, rate micro (% × 10^4), term months, minimum fen
    ("P-CUR", "个人活期储蓄", "personal_current", "2017", 1000, None, 0),
    ("P-T03", "整存整取三个月", "personal_time", "2018", 8500, 3, 5000),
    ("P-T06", "整存整取六个月", "personal_time", "2018", 10500, 6, 5000),
    ("P-T12", "整存整取一年", "personal_time", "2018", 12000, 12, 5000),
    ("P-T24", "整存整取二年", "personal_time", "2018", 13000, 24, 5000),
    ("P-T36", "整存整取三年", "personal_time", "2018", 17500, 36, 5000),
    ("U-CUR", "单位活期存款", "unit_current", "2012", 1000, None, 0),
)


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    id17: str
    phone: str
    card_bin_serial: str  # 18 digits before the Luhn digit
    balance_fen: int


CUSTOMERS = (
    DemoCustomer("王小明", "11010519800101123", "13800000001", "621700000000000001", 1_250_000),
    DemoCustomer("刘芳", "44030419920315234", "13800000002", "621700000000000002", 8_600_050),
    DemoCustomer("陈建国", "32010619751120345", "13800000003", "621700000000000003", 30_000),
)


@dataclass(frozen=True)
class DemoSummary:
    branch: str
    business_date: dt.date
    users: tuple[str, ...]
    accounts: tuple[tuple[str, str, str], ...]  # number, title, medium number


def create_demo(engine: Engine, *, business_date: dt.date,
                scrypt_n: int | None = None) -> DemoSummary:
    """Populate an *empty, migrated* core database with the demo branch, open
    on ``business_date`` (the caller's choice: today for a new demo, a pinned
    date in tests — the core never reads the wall clock for a business date)."""
    bdate = business_date
    ops = OperatorService(engine, **({"scrypt_n": scrypt_n} if scrypt_n else {}))
    now = dt.datetime.now()
    created: list[tuple[str, str, str]] = []

    def setup(conn):
        if conn.execute(select(m.Branch.code).where(m.Branch.code == BRANCH)).first():
            raise RuntimeError(f"demo branch {BRANCH} already exists")
        create_branch(conn, BRANCH, "演示支行", BANK, bdate)
        for t in ("T01", "T02", "T03"):
            create_terminal(conn, t, BRANCH, f"{t}号柜台")
        for code, name, role, level in USERS:
            ops.create_user(conn, code=code, name=name, role=role, branch=BRANCH,
                            password=DEMO_PASSWORD, auth_level=level,
                            must_change_password=False)
        for code, name, kind, subject, rate, term, minimum in PRODUCTS:
            conn.execute(insert(Product.__table__).values(
                code=code, name=name, kind=kind, subject_code=subject,
                annual_rate_micro=rate, term_months=term, minimum_fen=minimum))
        add_time_deposit_products(conn)
        acct = lambda **kw: open_account(conn, branch=BRANCH, opened_on=bdate, **kw)  # noqa
        acct(subject="1001", title="网点金库现金", kind="vault")
        for code, name, role, _ in USERS:
            if role == "teller":
                acct(subject="1001", title=f"{name}尾箱现金", kind="cash_box", owner_user=code)
        acct(subject="3010", title="清算资金往来", kind="clearing", overdraft_limit=None)
        acct(subject="2241", title="待处理长款", kind="suspense_over", overdraft_limit=None)
        acct(subject="2241", title="待处理短款", kind="suspense_short", overdraft_limit=None)
        acct(subject="2231", title="应付利息", kind="interest_payable", overdraft_limit=None)
        acct(subject="6411", title="利息支出", kind="interest_expense", overdraft_limit=None)
        for c in CUSTOMERS:
            id_number = c.id17 + resident_id_check_char(c.id17)
            cid = conn.execute(insert(Customer.__table__).values(
                kind="personal", id_type="resident_id", id_number=id_number, name=c.name,
                name_en="", phone=c.phone, address="演示市演示路1号", occupation="",
                branch_code=BRANCH, created_at=now).returning(Customer.id)).scalar_one()
            pan = c.card_bin_serial + luhn_check_digit(c.card_bin_serial)
            number = acct(subject="2017", title=c.name, kind="personal_current",
                          customer_id=cid, product="P-CUR", account_class="I",
                          medium_kind="card", medium_number=pan)
            created.append((number, c.name, pan))

    run_in_transaction(engine, setup)
    _fund(engine, created)
    create_demo_vouchers(engine)
    _cash_setup(engine)
    run_in_transaction(engine, lambda conn: add_loss_fees(conn, BRANCH, bdate))
    return DemoSummary(BRANCH, bdate, tuple(u[0] for u in USERS), tuple(created))


def _fund(engine: Engine, customers: list[tuple[str, str, str]]) -> None:
    """Fund the vault, the boxes (kept in the vault until drawn) and the
    customers by cash entries with their counts, so every box's notes agree
    with its GL 1001 balance from the start (teller.core.cash.counts)."""
    posting = ledger(engine)
    with reader(engine) as conn:
        vault = internal_account(conn, BRANCH, "vault")
        clearing = internal_account(conn, BRANCH, "clearing")
        boxes = {code: internal_account(conn, BRANCH, "cash_box", code)
                 for code, _, role, _ in USERS if role == "teller"}
        denoms = tuple(active_denominations(conn))
    seq = iter(range(1, 1000))

    def post(legs, cash):
        posting.post(EntryRequest(key=f"demo-{BRANCH}-{next(seq):04d}", branch=BRANCH,
                                  teller="ADM1", terminal="T01", txn_code="00000",
                                  step="demo_setup", legs=legs, reversible=False,
                                  memo="演示数据", attachments=cash))

    box_mix = _demo_mix(20_000_000, denoms)
    vault_mix = dc.clean(list(_demo_mix(100_000_000 - 20_000_000 * len(boxes), denoms).items())
                         + [(d, n * len(boxes)) for d, n in box_mix.items()])
    post((Leg(vault, "D", 100_000_000), Leg(clearing, "C", 100_000_000)),
         (CashCount(vault, received=dc.pairs(vault_mix)),))
    for box in boxes.values():
        post((Leg(box, "D", 20_000_000), Leg(vault, "C", 20_000_000)),
             (CashCount(box, received=dc.pairs(box_mix)),
              CashCount(vault, paid=dc.pairs(box_mix))))
    box = boxes["T001"]
    for (number, _, _), customer in zip(customers, CUSTOMERS):
        notes = dc.propose(customer.balance_fen, denoms)
        # Large cash is declared like at any counter (18590), so the register ties.
        funds = ((FundsDeclaration("savings", "演示数据开户存入"),)
                 if customer.balance_fen >= LARGE_CASH_FEN else ())
        post((Leg(box, "D", customer.balance_fen),
              Leg(number, "C", customer.balance_fen, "开户存入")),
             (CashCount(box, received=dc.pairs(notes)),) + funds)


def create_demo_vouchers(engine: Engine) -> None:
    """Blank voucher stock (重要空白凭证) of the demo branch: kinds, 100 of each
    received, 10 of each issued to each teller's box — through the voucher
    service, so the 9001 counts tie out."""
    run_in_transaction(engine, ensure_default_kinds)
    svc = BlankVoucherService(engine, ledger(engine).post)
    seq = iter(range(1, 1000))

    def req() -> EntryRequest:
        return EntryRequest(key=f"demo-{BRANCH}-voucher-{next(seq):04d}", branch=BRANCH,
                            teller="S001", terminal="T01", txn_code="00000",
                            step="demo_setup", legs=(), reversible=False, memo="演示数据")
    for k, kind in enumerate(("passbook", "debit_card", "deposit_slip")):
        base = (k + 1) * 10_000_000
        svc.post(req(), VoucherReceive(kind, f"{base + 1:08d}", f"{base + 100:08d}"))
        for t, teller in enumerate(("T001", "T002")):
            lo = base + 1 + t * 10
            svc.post(req(), VoucherIssue(kind, f"{lo:08d}", f"{lo + 9:08d}", teller))


# -- time deposits (issue 5B) ----------------------------------------------------
TIME_PRODUCTS = (  # the terms PRODUCTS lacks; same columns as PRODUCTS
    ("P-T60", "整存整取五年", "personal_time", "2018", 18000, 60, 5000),
)


def add_time_deposit_products(conn) -> None:
    """整存整取 products for every offered term (3/6 months, 1/2/3/5 years)."""
    have = set(conn.execute(select(Product.code)).scalars())
    for code, name, kind, subject, rate, term, minimum in TIME_PRODUCTS:
        if code not in have:
            conn.execute(insert(Product.__table__).values(
                code=code, name=name, kind=kind, subject_code=subject,
                annual_rate_micro=rate, term_months=term, minimum_fen=minimum))


# -- cash by denomination (issue 7, teller.core.cash.counts) ------------------------
def _demo_mix(amount: int, denominations: tuple[int, ...]) -> dict[int, int]:
    """A plausible make-up of ``amount``: some small notes and coins, the rest
    in the largest notes (demo data only)."""
    base = {5000: amount * 10 // 100 // 5000, 2000: amount * 5 // 100 // 2000,
            1000: amount * 3 // 100 // 1000, 500: amount * 2 // 100 // 500,
            100: amount // 100 // 100, 50: 200, 10: 500, 5: 100, 2: 100, 1: 200}
    if dc.total(base) > amount:
        base = {}
    rest = dc.propose(amount - dc.total(base), denominations)
    assert rest is not None
    return dc.clean(list(base.items()) + list(rest.items()))


BOX_LIMIT_FEN = 50_000_000


def _cash_setup(engine: Engine) -> None:
    """The accounts the cash workflow posts to, and the boxes' limits (the
    boxes are in the vault: tellers draw them at sign-on; their notes came with
    the funding entries, see :func:`_fund`)."""

    def work(conn):
        bdate = conn.execute(select(m.Branch.business_date)
                             .where(m.Branch.code == BRANCH)).scalar_one()
        acct = lambda **kw: open_account(conn, branch=BRANCH, opened_on=bdate,  # noqa: E731
                                         overdraft_limit=None, **kw)
        acct(subject="2241", title="现金在途", kind="cash_in_transit")
        acct(subject="6301", title="营业外收入（长款）", kind="over_short_income")
        acct(subject="6711", title="营业外支出（短款）", kind="over_short_expense")
        # 尾箱限额 500,000.00: above it the teller hands cash in
        conn.execute(update(CashBox.__table__).where(CashBox.kind == "teller")
                     .values(limit_fen=BOX_LIMIT_FEN))
    run_in_transaction(engine, work)


#: 挂失手续费 the demo bank charges (fen): written and voucher+password reports
#: print a fee voucher in CBUS §4.1.2; oral and password-only reports do not.
DEMO_LOSS_FEES = {"written": 1000, "voucher_password": 1000}


def add_loss_fees(conn, branch: str, opened_on: dt.date) -> None:
    """Loss-report fees and the branch's fee-income account (6021 手续费及佣金收入)."""
    if internal_account(conn, branch, "fee_income") is None:
        open_account(conn, branch=branch, subject="6021", title="手续费收入", kind="fee_income",
                     opened_on=opened_on, overdraft_limit=None)
    for kind, fee in DEMO_LOSS_FEES.items():
        if conn.execute(select(LossFeeRate.kind).where(LossFeeRate.kind == kind)).first() is None:
            conn.execute(insert(LossFeeRate.__table__).values(kind=kind, fee_fen=fee))
