"""Every commit step of every registered flow goes through the core's posting
rule list (``teller.core.rulebook``): a refusal rule registered for the test in
front of the bank's rules refuses each of them, and then nothing the step would
have written is in the core database.

How: ``RefuseStep(code, step)`` is put first in the kernel's rules of the
terminal's ``CoreServices`` (``core.ledger``; every sub-service posts through
``CoreServices.post``). For each (flow code, commit step) of the registry, the
flow is driven to that step with the values the flow's own tests use; the step
is submitted, the rule refuses it in its ``admit`` phase, and a digest of every
row of every table of the core (``METADATA.sorted_tables``) taken just before the
step is compared with one taken just after. The rule is then taken away and the
same run is submitted again: it must post now, which shows the refused attempt
reached a step that writes.

Steps that never post (device-only: a passbook line, a stripe; the reservation
of an account number) are listed in ``NOT_POSTINGS`` with the reason; for them
the test shows the rule never sees them and that they write no ledger rows —
only what their case names (an account number reserved, a print pointer).
``test_the_table_covers_every_commit_of_every_flow`` fails when a flow (or a
commit step) is added without an entry here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from loss_helpers import holder_id, incidents, keyed

from teller.api import Session, Terminal
from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.core.cash.counts import read_holdings
from teller.core.ledger import models as m
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.engine import Ledger
from teller.core.ledger.records import PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.operators.service import OperatorService
from teller.core.schema import METADATA
from teller.core.services import CoreServices
from teller.devices.emulators.passbook_printer import PassbookPrinterEmulator
from teller.devices.emulators.pinpad import DEMO_WORKING_KEY
from teller.devices.manager import DeviceManager
from teller.devices.worker import DeviceWorker
from teller.domain.identity import resident_id_check_char
from teller.printing.archive import VoucherArchive
from teller.sync.store import LocalStore
from teller.transactions.flow import Commit, FlowRun
from teller.transactions.registry import default_registry
from tests.conftest import FAST_SCRYPT
from tests.counter.conftest import GEOMETRY, Teller
from tests.transactions.conftest import new_card, read_card

PW = "demo123"
A = ("S002", PW)  # level-A supervisor
B = ("S001", PW)  # level-B supervisor
REFUSED = ("walk_refused", "测试规则拒绝该提交步骤", "Refused by the test's walk rule")

ID17 = "11010519880808123"
NEW_ID = {"type": "resident_id", "number": ID17 + resident_id_check_char(ID17)}
WANG_ID = holder_id(0)  # demo customer 王小明
COURT = {"authority_type": "court", "authority_name": "演示市人民法院",
         "notice_number": "(2026)演执字第1号", "officer1_name": "李法官",
         "officer1_id": "FY0001"}

#: Tables of the ledger proper: a step that does not post leaves them alone.
LEDGER_TABLES = ("journal_entries", "postings", "entry_facts", "teller_journal_heads",
                 "authorizations")


# -- the test's posting rule --------------------------------------------------------
class RefuseStep(PostingRule):
    """Refuses, first of all rules, every request of one (txn_code, step); keeps
    what it saw so a test can tell that a step reached the rule list at all."""

    name = "test.refuse_step"

    def __init__(self, code: str, step: str) -> None:
        self.target = (code, step)
        self.seen: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str]] = []

    def admit(self, p: Posting) -> None:
        here = (p.request.txn_code, p.request.step)
        self.seen.append(here)
        if here == self.target:
            self.refused.append(here)
            raise PostingRefused(*REFUSED)


def install(cs: CoreServices, rule: PostingRule) -> Ledger:
    """Put ``rule`` in front of the bank's rules; returns the kernel it replaced."""
    original = cs.ledger
    cs.ledger = Ledger(cs.engine, (rule,) + original.rules, clock=original.clock)
    return original


# -- the database digest --------------------------------------------------------------
#: Columns left out of the digest, and why.
IGNORED_COLUMNS = {
    # A supervisor's second sign-on to authorize the step (Session._authorize) and
    # 09050's receiving teller typing their password stamp the user's last sign-on:
    # done before the step is posted, and a sign-on of its own, not the step's write.
    ("users", "last_sign_on_at"),
}
#: Audit rows (audit_events.kind) every case may add before its step is posted: the
#: supervisor's sign-on for the authorization the step needs ('authorize').
SIGN_ON_AUDIT = frozenset({"authorize"})


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool, bytes, decimal.Decimal,
                                   dt.date, dt.datetime)):
        return v
    return json.dumps(v, sort_keys=True, default=str)


def snapshot(engine) -> dict[str, tuple[tuple[str, ...], Counter]]:
    """Every row of every core table (a multiset per table)."""
    out = {}
    with reader(engine) as conn:
        for table in METADATA.sorted_tables:
            cols = [c for c in table.c if (table.name, c.name) not in IGNORED_COLUMNS]
            rows = conn.execute(sa.select(*cols)).all()
            out[table.name] = (tuple(c.name for c in cols),
                               Counter(tuple(_plain(v) for v in r) for r in rows))
    return out


def _project(cols: tuple[str, ...], rows: Counter, drop: tuple[str, ...]) -> Counter:
    keep = [i for i, c in enumerate(cols) if c not in drop]
    out: Counter = Counter()
    for r, n in rows.items():
        out[tuple(r[i] for i in keep)] += n
    return out


def changes(before, after, audit_kinds: frozenset = SIGN_ON_AUDIT,
            may_write: Mapping[str, tuple[str, ...] | None] = {}) -> dict[str, dict[str, list]]:
    """Rows added or removed per table, less the sign-on audit rows ``audit_kinds``
    and what ``may_write`` allows: a table's named columns, or (None) the whole
    table — each with its reason, see the cases."""
    out = {}
    for name, (cols, rows) in after.items():
        old = before[name][1]
        drop = may_write.get(name, ())
        if drop is None:
            continue
        if drop:
            rows, old = _project(cols, rows, drop), _project(cols, old, drop)
            cols = tuple(c for c in cols if c not in drop)
        added, removed = rows - old, old - rows
        if name == "audit_events":
            kind = cols.index("kind")
            added = Counter({r: n for r, n in added.items() if r[kind] not in audit_kinds})
        if added or removed:
            out[name] = {"added": [dict(zip(cols, r)) for r in added.elements()],
                         "removed": [dict(zip(cols, r)) for r in removed.elements()]}
    return out


# -- the counter the walk runs at -------------------------------------------------------
class Walk:
    """T001 signed on at T01 over one CoreServices (PIN verifier, small passbook
    geometry); other sessions, the passbook printer and accounts on demand."""

    def __init__(self, core, tmp_path) -> None:
        self.core = core
        self.tmp = tmp_path
        self.cs = CoreServices(
            core.engine, scrypt_n=FAST_SCRYPT, passbook_geometry=GEOMETRY,
            pin_verifier=ZoneKeyPinVerifier(DEMO_WORKING_KEY, b"bank-secret-for-the-walk",
                                            scrypt_n=2**10))
        self._closers: list[Callable[[], None]] = []
        self.terminal = self._terminal("T01")
        self.session = self.sign_on(self.terminal, "T001")
        self.emu: PassbookPrinterEmulator | None = None

    def _terminal(self, code: str) -> Terminal:
        t = Terminal(self.cs, LocalStore(self.tmp / f"{code}.sqlite"), terminal_code=code,
                     printer=lambda v: None, archive=VoucherArchive(self.tmp / f"v-{code}"))
        self._closers.append(t.store.close)
        return t

    @staticmethod
    def sign_on(terminal: Terminal, user: str) -> Session:
        signed = terminal.sign_on(user, PW)
        assert signed.ok, signed.message
        return signed.session

    def other(self, user: str, terminal: str = "T02") -> Session:
        """``user`` signed on at another terminal over the same core services
        (so the test's rule sees their postings too)."""
        return self.sign_on(self._terminal(terminal), user)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()

    # -- helpers for the set-ups ------------------------------------------------
    def acct(self, i: int) -> str:
        return self.core.demo.accounts[i][0]

    def pan(self, i: int) -> str:
        return self.core.demo.accounts[i][2]

    def card(self, i: int) -> dict:
        return {"number": self.pan(i), "source": "card"}

    @property
    def today(self) -> dt.date:
        return self.core.demo.business_date

    def ok(self, code: str, values: Mapping, authorizer: Any = None,
           session: Session | None = None):
        out = (session or self.session).run(code, values, authorizer)
        assert out.ok, (code, out.problems, out.needs_authorization)
        return out

    def counts(self, teller: str = "T001") -> dict[str, int]:
        box = self.core.account("cash_box", teller)
        with reader(self.core.engine) as conn:
            return {str(d): n for d, n in read_holdings(conn, box).items() if n}

    def set_accrual(self, number: str, accrual: int) -> None:
        run_in_transaction(self.core.engine, lambda c: c.execute(
            sa.update(m.Account.__table__).where(m.Account.number == number)
            .values(accrual=accrual)))

    def printer(self) -> PassbookPrinterEmulator:
        """The passbook printer emulator at T01 (driven by the real driver)."""
        if self.emu is not None:
            return self.emu
        emu = PassbookPrinterEmulator()
        emu.start()
        self._closers.append(emu.stop)
        worker = DeviceWorker()
        worker.start()
        self._closers.append(worker.stop)
        manager = DeviceManager({"passbook": {"kind": "passbook",
                                              "url": f"socket://127.0.0.1:{emu.port}"}},
                                worker, prompts=Teller(emu))
        self._closers.append(manager.close_all)
        drv = manager.driver("passbook")
        drv.profile = dataclasses.replace(drv.profile, media_timeout=5.0, poll_interval=0.05,
                                          reply_timeout=2.0)
        worker.call(drv.open)
        self.terminal.devices = manager
        self.emu = emu
        return emu

    def passbook_account(self, deposits: int) -> str:
        """A personal account with book 1 in the printer and ``deposits`` lines
        of 100.00 not yet printed (set-up as in tests/counter)."""
        emu = self.printer()
        number = run_in_transaction(self.core.engine, lambda conn: open_account(
            conn, branch="0101", subject="2017", title="测试客户", kind="personal_current",
            opened_on=self.today, product="P-CUR", account_class="I"))
        for _ in range(deposits):
            self.ok("10020", {"account": number, "amount": "100.00", "mode": "cash"})
        self.cs.passbooks.issue_first(number, "000100001", teller="T001")
        emu.insert_book(f"{number}=0001", pages=GEOMETRY.pages)
        return number


@pytest.fixture
def walk(core, tmp_path):
    w = Walk(core, tmp_path)
    yield w
    w.close()


# -- the cases ------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """How to reach the step: the run's values; a supervisor; an earlier commit
    step of the same run to post first (``stop_after``) and the values only known
    after it (``then``); the session, when not T001's."""

    values: Mapping[str, Any]
    authorizer: Any = None
    stop_after: str | None = None
    then: Callable[[FlowRun], Mapping[str, Any]] | None = None
    session: Session | None = None


@dataclass(frozen=True)
class Case:
    code: str
    step: str
    prepare: Callable[[Walk], Plan]
    variant: str = ""
    #: What the step may change before its posting reaches the rules — for a step
    #: that does not post, all it may change (see RESERVED_NUMBER, PRINTED_LINES):
    #: table -> columns, or None for any row.
    may_write: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    #: Sign-on audit kinds (audit_events.kind) the step itself writes first.
    audit_kinds: frozenset = SIGN_ON_AUDIT

    @property
    def pair(self) -> tuple[str, str]:
        return (self.code, self.step)

    @property
    def id(self) -> str:
        return f"{self.code}-{self.step}" + (f"-{self.variant}" if self.variant else "")


def swipe(number: str) -> dict:
    return {"number": number, "source": "passbook"}


# Set-ups: the earlier flows each step needs, values as in the flows' own tests.
def p00010(w):
    return Plan({"id": NEW_ID, "name": "赵新", "phone": "13800000011", "occupation": "教师"})


def p07110(w):
    return Plan({"kind": "passbook", "first": "10000101", "last": "10000150"}, A)


def p07120(w):
    return Plan({"kind": "passbook", "first": "10000021", "last": "10000025"}, A)


def p07130(w):
    return Plan({"kind": "passbook", "number": "10000001", "reason": "spoiled"}, A)


def p07140(w):
    return Plan({"kind": "passbook", "first": "10000001", "last": "10000002"}, A)


def p08210(w):
    dep = w.ok("10020", {"account": w.acct(0), "amount": "100.00", "mode": "cash"})
    return Plan({"journal_number": dep.journal_numbers[0]}, A)


def p09010(w):
    return Plan({"to": "T002", "amount": "200.00", "notes": {"10000": 2}})


def p09020(w):
    w.ok("09010", {"to": "T002", "amount": "200.00", "notes": {"10000": 2}})
    (t,) = w.cs.cash.transfers("0101")
    return Plan({"transfer_id": str(t.id), "notes": {"10000": 2}})  # taken back (退回)


def short_count(w) -> dict[str, int]:
    counted = w.counts()
    counted["10000"] -= 1  # one 100 note short (短款)
    return counted


def p09030_short(w):
    return Plan({"counts": short_count(w)}, A)


def p09030_agreeing(w):
    return Plan({"counts": w.counts()})


def p09040(w):
    w.ok("09030", {"counts": short_count(w)}, A)
    (item,) = w.cs.cash.over_short("0101")
    return Plan({"item_id": str(item.id), "how": "write_off"}, A)


def p09050(w):
    ops = OperatorService(w.core.engine, scrypt_n=FAST_SCRYPT)
    run_in_transaction(w.core.engine, lambda c: ops.create_user(
        c, code="T003", name="新柜员", role="teller", branch="0101", password=PW,
        must_change_password=False))
    w.other("T003")  # signed on, holding no box of their own
    return Plan({"to_teller": "T003", "to_password": PW, "counts": w.counts()})


def p09900(w):
    # T001 balances and signs off; the supervisor runs the day end at T02.
    w.ok("09030", {"counts": w.counts()})
    assert w.session.sign_off() == []
    return Plan({}, session=w.other("S001"))


def p10010_open(w):
    # A passbook account: the number is reserved by the step before ('number').
    def pins(run):
        number = run.state["account_number"]
        return {"pin": keyed(number, "112233"), "pin_again": keyed(number, "112233")}
    return Plan({"id": WANG_ID, "medium_kind": "passbook", "opening_amount": "20.00",
                 "mode": "cash"}, stop_after="number", then=pins)


def p10010_open_card(w):
    pan = new_card(1)
    return Plan({"id": NEW_ID, "name": "赵新", "phone": "13800000011",
                 "card_number": {"number": read_card(pan), "source": "card"},
                 "pin": keyed(pan, "135790"), "pin_again": keyed(pan, "135790"),
                 "opening_amount": "500.00", "mode": "cash"})


def p10010_number(w):
    return Plan({"id": WANG_ID, "medium_kind": "passbook"})


def p10020(w):
    return Plan({"account": w.acct(0), "amount": "100.00", "mode": "cash"})


def p10020_passbook(w):
    number = w.passbook_account(deposits=1)
    return Plan({"account": swipe(number), "amount": "10.00", "mode": "cash"},
                stop_after="post")


def p10030(w):
    return Plan({"account": w.acct(1), "amount": "100.00", "mode": "cash"})


def p10030_passbook(w):
    number = w.passbook_account(deposits=2)
    return Plan({"account": swipe(number), "amount": "10.00", "mode": "cash"},
                stop_after="post")


def closure(stop_after):
    def prepare(w):
        # 陈建国's 300.00 with interest accrued: interest, pay-out, closure all post.
        w.set_accrual(w.acct(2), 30_000 * 360)
        return Plan({"account": w.card(2), "mode": "transfer", "to_account": w.acct(1)},
                    stop_after=stop_after)
    return prepare


TIME_OPEN = {"customer_doc": WANG_ID, "term": "3", "amount": "10,000.00", "rollover": "0",
             "mode": "cash"}


def p10110(w):
    return Plan(TIME_OPEN, A)


def p10130(w):
    out = w.ok("10110", TIME_OPEN, A)
    number = next(leg.account for leg in out.entries[0].legs if leg.direction == "C")
    return Plan({"account": number, "slip": "30000001", "mode": "cash"}, A)


def p18010(w):
    return Plan({"customer_id": holder_id(0), "account": w.pan(0), "loss_kind": "written"})


def p18020(w):
    w.ok("18010", {"customer_id": holder_id(0), "account": w.pan(0), "loss_kind": "written"})
    (inc,) = [i.incident_number for i in incidents(w.core, w.acct(0)) if i.status == "active"]
    return Plan({"customer_id": holder_id(0), "incident_number": inc, "action": "release"})


def p18030(w):
    pan = w.pan(0)
    w.cs.customer_pins.set_pin(w.acct(0), keyed(pan, "111111"))
    return Plan({"account": pan, "customer_id": holder_id(0), "operation": "reset",
                 "new_pin": keyed(pan, "222222"), "new_pin_again": keyed(pan, "222222")}, A)


def p18040(stop_after):
    def prepare(w):
        number = w.passbook_account(deposits=2)
        return Plan({"account": number, "medium": "passbook", "reason": "damaged"},
                    stop_after=stop_after)
    return prepare


def p18050_full(w):
    # 6 lines a page, 2 pages: 14 lines fill book 1, book 2 is issued by the step's
    # own entry (the box's smallest passbook) — the posting the rule refuses.
    return Plan({"account": swipe(w.passbook_account(deposits=14))})


def p18050_no_new_book(w):
    return Plan({"account": swipe(w.passbook_account(deposits=3))})


def p18090_submit(w):
    return Plan({"account": w.acct(0), "action": "freeze", "kind": "freeze_full",
                 "expires_on": str(w.today + dt.timedelta(days=30)), **COURT}, A)


def p18090_submit_deduct(w):
    return Plan({"account": w.acct(0), "action": "deduct", "to_account": w.acct(2),
                 "d_amount": "10.00", **COURT}, B)


def p18090_details(w):
    return Plan({"account": w.acct(0), "action": "quick_freeze", "kind": "freeze_full",
                 "expires_on": str(w.today + dt.timedelta(days=30)),
                 **{f"q_{k}": v for k, v in COURT.items()}}, A, stop_after="submit")


def p18091(w):
    w.ok("18100", {"account": w.acct(0), "action": "add", "kind": "hold",
                   "amount": "1,000.00"}, A)
    (hold,) = w.cs.controls.controls(w.acct(0))
    return Plan({"account": w.acct(0), "incident": hold.incident_number, "mode": "partial",
                 "amount": "400.00", "application_no": "KK-2026-0042"}, A)


def p18100(w):
    return Plan({"account": w.acct(0), "action": "add", "kind": "sealed"}, A)


def p18101(w):
    return Plan({"account": w.acct(0), "action": "add", "direction": "out",
                 "single_max": "500.00", "daily_count": "2", "on_breach": "reject"}, A)


def p18410(w):
    w.set_accrual(w.acct(0), 90_000_000)
    return Plan({"account": w.pan(0)})


def p18500(w):
    return Plan({"account": w.acct(0), "scope": "this_branch"})


def p18590(w):
    big = w.ok("10020", {"account": w.acct(0), "amount": "60,000.00", "mode": "cash",
                         "funds_category": "business", "funds_detail": "门店营业款"})
    return Plan({"journal_number": big.journal_numbers[0], "category": "investment",
                 "detail": "理财到期"})


#: What a step may write before its posting reaches the rules (table -> the columns
#: it may change, None: any row), and why:
#: - 10010 (card) / 10110 reserve the new account number in a transaction of its
#:   own before the opening is posted; a refused opening leaves a gap in the
#:   numbers, never a reuse.
RESERVED_NUMBER: Mapping[str, tuple[str, ...] | None] = {"number_sequences": None}
#: - 18050 prints the lines that fit in the book and records those the printer
#:   acknowledged (PassbookService.confirm: the book's print pointer) before the
#:   new book is posted, so that they are never printed twice; only the pointer.
PRINTED_LINES: Mapping[str, tuple[str, ...] | None] = {
    "passbooks": ("last_page", "last_line", "last_posting_id")}

#: One entry per (flow code, commit step) that posts; a variant when a step has
#: another way into the core worth walking.
CASES = (
    Case("00010", "save", p00010),
    Case("07110", "post", p07110),
    Case("07120", "post", p07120),
    Case("07130", "post", p07130),
    Case("07140", "post", p07140),
    Case("08210", "reverse", p08210),
    Case("09010", "send", p09010),
    Case("09020", "confirm", p09020),
    Case("09030", "balance", p09030_short),
    Case("09030", "balance", p09030_agreeing, variant="agreeing"),
    Case("09040", "resolve", p09040),
    Case("09050", "hand_over", p09050,
         # the receiving teller's password is checked (audited sign-on) by the step
         # before it posts: their presence, not the hand-over itself
         audit_kinds=SIGN_ON_AUDIT | {"hand_over"}),
    Case("09900", "run", p09900),
    Case("10010", "open", p10010_open),
    Case("10010", "open", p10010_open_card, variant="card", may_write=RESERVED_NUMBER),
    Case("10020", "post", p10020),
    Case("10030", "post", p10030),
    Case("10040", "interest", closure(None)),
    Case("10040", "payout", closure("interest")),
    Case("10040", "close", closure("payout")),
    Case("10110", "open", p10110, may_write=RESERVED_NUMBER),
    Case("10130", "withdraw", p10130),
    Case("18010", "report", p18010),
    Case("18020", "follow_up", p18020),
    Case("18030", "apply", p18030),
    Case("18040", "replace", p18040(None)),
    Case("18050", "print", p18050_full, may_write=PRINTED_LINES),
    Case("18090", "submit", p18090_submit),
    Case("18090", "submit", p18090_submit_deduct, variant="deduct"),
    Case("18090", "details_done", p18090_details),
    Case("18091", "post", p18091),
    Case("18100", "submit", p18100),
    Case("18101", "submit", p18101),
    Case("18410", "settle", p18410),
    Case("18500", "maintain", p18500),
    Case("18590", "capture", p18590),
)


#: Commit steps that never post, and why. Each is walked by
#: ``test_a_step_that_does_not_post_writes_no_ledger_rows``.
NOT_POSTINGS = {
    ("10010", "number"): "reserves the account number a passbook's password is bound to "
                         "(number_sequences); the opening that uses it is the 'open' posting",
    ("10020", "passbook"): "prints the line just posted into the swiped passbook (device) "
                           "and moves the book's print pointer; the money was the 'post' step",
    ("10030", "passbook"): "as 10020: the linked passbook print after the 'post' step",
    ("18040", "stripe"): "writes the new book's magnetic stripe (device only); the "
                         "replacement itself was the 'replace' posting",
}

NON_POSTING_CASES = (
    # (may_write: here all the step writes)
    Case("10010", "number", p10010_number, may_write=RESERVED_NUMBER),
    Case("10020", "passbook", p10020_passbook, may_write=PRINTED_LINES),
    Case("10030", "passbook", p10030_passbook, may_write=PRINTED_LINES),
    Case("18040", "stripe", p18040("replace")),
    # 18050 posts only when the book fills (see CASES); a print-up that fits the book
    # is device work that records the printed lines.
    Case("18050", "print", p18050_no_new_book, variant="fits", may_write=PRINTED_LINES),
)


# -- driving a run to its step ------------------------------------------------------
def reach(w: Walk, case: Case) -> tuple[Session, FlowRun, Plan]:
    """GIVEN the case's set-up, a run of its flow standing before its step."""
    plan = case.prepare(w)
    session = plan.session or w.session
    run, problems = session.start(case.code)
    assert run is not None, problems
    unknown = [k for k in plan.values if run.flow.field(k) is None]
    assert not unknown, f"{case.code} has no fields {unknown}"
    run.set_many(plan.values)
    if plan.stop_after:
        out = session.commit(run, plan.authorizer, stop_after=plan.stop_after)
        assert out.ok, (out.problems, out.needs_authorization)
        assert plan.stop_after in {c.step for c in run.committed}
    if plan.then:
        run.set_many(plan.then(run))
    assert case.step not in {c.step for c in run.committed}
    return session, run, plan


def commit_names(flow) -> list[str]:
    return [c.name for c in flow.commits()]


REFUSED_PARAMS = [pytest.param(c, id=c.id) for c in CASES]
NOT_POSTING_PARAMS = [pytest.param(c, id=c.id) for c in NON_POSTING_CASES]
#: The walk runs on SQLite; on PostgreSQL (twice as slow to set up) a sample with
#: one case of each way into the core: ctx.reverse, cash, a second session, the
#: day-end batch, a later step of a run, a write allowed before the posting, a
#: device, the PIN verifier, a posting with legs drawing on a hold, an entry without legs.
PG_SAMPLE = {"07120-post", "08210-reverse", "09020-confirm", "09050-hand_over",
             "09900-run", "10010-open", "10010-open-card", "10040-close", "18030-apply",
             "18050-print", "18090-details_done", "18091-post", "09030-balance-agreeing",
             "10010-number", "10020-passbook"}


@pytest.fixture
def on_postgres(backend):
    if backend != "postgres":
        pytest.skip("walked on SQLite by the tests above")


@pytest.mark.parametrize("case", REFUSED_PARAMS)
def test_every_commit_step_is_refused_by_a_posting_rule(walk, case):
    # GIVEN the flow run standing before the step, and the test's rule first in the list
    session, run, plan = reach(walk, case)
    rule = RefuseStep(case.code, case.step)
    original = install(walk.cs, rule)
    before = snapshot(walk.core.engine)
    # WHEN the step is submitted
    out = session.commit(run, plan.authorizer)
    after = snapshot(walk.core.engine)
    walk.cs.ledger = original
    # THEN the rule refused exactly that step, and the teller sees its reason
    assert rule.refused == [case.pair], (rule.seen, out.problems, out.needs_authorization)
    assert not out.ok and [p.message for p in out.problems] == [REFUSED[1]], out.problems
    assert out.journal_numbers == () and run.current is not None
    assert run.current.name == case.step
    # AND nothing the step would have written is in the core
    assert changes(before, after, case.audit_kinds, case.may_write) == {}
    # WHEN the same run is submitted again without the rule THEN it posts: the
    # refused attempt had reached a step that writes
    again = session.commit(run, plan.authorizer)
    assert again.ok, (again.problems, again.needs_authorization)
    assert case.step in {c.step for c in run.committed}
    posted = changes(after, snapshot(walk.core.engine), case.audit_kinds)
    assert "journal_entries" in posted, posted.keys()


@pytest.mark.parametrize("case", NOT_POSTING_PARAMS)
def test_a_step_that_does_not_post_writes_no_ledger_rows(walk, case):
    # GIVEN the run before the step, the test's rule in front (refusing that step)
    session, run, plan = reach(walk, case)
    rule = RefuseStep(case.code, case.step)
    original = install(walk.cs, rule)
    before = snapshot(walk.core.engine)
    # WHEN the step runs
    out = session.commit(run, plan.authorizer, stop_after=case.step)
    after = snapshot(walk.core.engine)
    walk.cs.ledger = original
    # THEN it went through without ever reaching the rule list (it posted nothing) …
    assert out.ok, out.problems
    assert case.step in {c.step for c in run.committed}
    assert case.pair not in rule.seen and out.journal_numbers == ()
    # … and changed no ledger table, only what is named for it
    changed = changes(before, after)
    assert not set(changed) & set(LEDGER_TABLES), changed
    assert changes(before, after, may_write=case.may_write) == {}


@pytest.mark.postgres
@pytest.mark.parametrize("case", [p for p in REFUSED_PARAMS if p.id in PG_SAMPLE])
def test_a_sample_of_the_refusals_on_postgres(on_postgres, walk, case):
    test_every_commit_step_is_refused_by_a_posting_rule(walk, case)


@pytest.mark.postgres
@pytest.mark.parametrize("case", [p for p in NOT_POSTING_PARAMS if p.id in PG_SAMPLE])
def test_a_sample_of_the_steps_that_do_not_post_on_postgres(on_postgres, walk, case):
    test_a_step_that_does_not_post_writes_no_ledger_rows(walk, case)


def registry_pairs() -> set[tuple[str, str]]:
    return {(flow.code, step.name) for flow in default_registry().flows()
            for step in flow.pages if isinstance(step, Commit)}


def test_the_table_covers_every_commit_of_every_flow():
    # GIVEN every commit step of every registered flow (incl. the shared passbook
    # step of 10020/10030 and the 18100/18101 submit of controls_common)
    pairs = registry_pairs()
    walked = {c.pair for c in CASES}
    # THEN each is walked here, either refused by the rule or listed as not posting
    assert walked | set(NOT_POSTINGS) == pairs, {
        "missing": sorted(pairs - walked - set(NOT_POSTINGS)),
        "unknown": sorted((walked | set(NOT_POSTINGS)) - pairs)}
    assert not walked & set(NOT_POSTINGS), "a step cannot both post and not post"
    # AND every step said not to post is walked to show it
    assert {c.pair for c in NON_POSTING_CASES} >= set(NOT_POSTINGS)
    assert {c.pair for c in NON_POSTING_CASES} <= pairs
    # AND no case names a step its flow does not have
    for case in CASES + NON_POSTING_CASES:
        assert case.step in commit_names(default_registry().get(case.code)), case.id
    # AND the PostgreSQL sample names cases that exist
    assert PG_SAMPLE <= {p.id for p in REFUSED_PARAMS + NOT_POSTING_PARAMS}
