"""Property: important blank vouchers (重要空白凭证, ``BlankVoucherRule``) follow a
small model of DOMAIN.md §2 / CBUS §3.9, §4.6 through the kernel, one fresh
voucher kind per example. Each numbered voucher is in the branch stock, in a
teller's box, used or void. Receiving (入库) takes numbers no voucher of the
kind has; issuing (领用) moves numbers that are all in the branch stock to a
teller's box (only a teller's); returning (上缴) moves numbers that are all in
the operator's own box back to the stock; voiding (作废) takes one voucher of
the operator's box, or — as a returned medium — a used one; using (the medium a
step hands out) takes the smallest number of the operator's box, and refuses
any other number or an empty box; a use inside a posting that is refused
uses nothing, and the same-day reversal (冲正) of a posting that used one puts
it back into the box. Anything else is refused and changes nothing. After
every step each holder's stock (number runs) is the model's and equals its
9001 off-balance count (账实相符)."""
from __future__ import annotations

import dataclasses
import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import float_account
from teller.core.customers.models import Customer
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused
from teller.core.rulebook import ledger
from teller.core.services import CoreServices
from teller.core.vouchers.blank import (
    BlankVoucherService, VoucherIssue, VoucherReceive, VoucherReturn, VoucherUse, VoucherVoid,
    define_kind,
)
from teller.core.vouchers.models import Voucher
from teller.core.vouchers.stock import tie_out_problems

pytestmark = pytest.mark.postgres
EXAMPLES = {"sqlite": 60, "postgres": 18}
TELLERS = ("T001", "T002")
UNIVERSE = 45  # numbers 00000001..00000045 of the example's own kind
kinds = itertools.count(1)
keys = itertools.count()


def num(i: int) -> str:
    return f"{i:08d}"


# -- the model ----------------------------------------------------------------------------
class Model:
    """number -> (status, teller): 'branch', 'box' (teller's), 'used', 'void'."""

    def __init__(self) -> None:
        self.v: dict[str, tuple[str, str | None]] = {}
        self.used: list[str] = []  # in the order they were used

    def smallest(self, teller: str) -> str | None:
        return min((n for n, (s, t) in self.v.items() if s == "box" and t == teller),
                   default=None)

    def receive(self, numbers) -> str | None:
        if any(n in self.v for n in numbers):
            return "voucher_exists"
        self.v.update({n: ("branch", None) for n in numbers})
        return None

    def issue(self, numbers, to: str) -> str | None:
        if to not in TELLERS:
            return "voucher_teller"
        if any(self.v.get(n, ("", None))[0] != "branch" for n in numbers):
            return "voucher_not_in_stock"
        self.v.update({n: ("box", to) for n in numbers})
        return None

    def return_(self, numbers, teller: str) -> str | None:
        if any(self.v.get(n) != ("box", teller) for n in numbers):
            return "voucher_not_in_box"
        self.v.update({n: ("branch", None) for n in numbers})
        return None

    def void(self, number: str, teller: str, reason: str) -> str | None:
        if reason not in ("spoiled", "returned_medium"):
            return "voucher_reason"
        status, holder = self.v.get(number, ("", None))
        if status == "used" and reason == "returned_medium":
            self.v[number] = ("void", holder)
            return None
        if (status, holder) != ("box", teller):
            return "voucher_not_in_box"
        self.v[number] = ("void", holder)
        return None

    def use(self, teller: str, number: str | None) -> tuple[str | None, str | None]:
        """(refusal, the number used)."""
        smallest = self.smallest(teller)
        if smallest is None:
            return "voucher_none", None
        if number is not None and number != smallest:
            return "voucher_not_smallest", None
        self.v[smallest] = ("used", teller)
        self.used.append(smallest)
        return None, smallest

    def stock(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for n, (s, t) in sorted(self.v.items()):
            if s in ("branch", "box"):
                out.setdefault(t or "branch", []).append(n)
        return out


def runs(numbers: list[str]) -> tuple[tuple[str, str], ...]:
    out: list[list[str]] = []
    for n in numbers:
        if out and int(n) == int(out[-1][1]) + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return tuple((a, b) for a, b in out)


# -- the strategies ----------------------------------------------------------------------------
first = st.integers(1, UNIVERSE)
size = st.integers(1, 4)
teller = st.sampled_from(TELLERS)
ops = st.one_of(
    st.tuples(st.just("receive"), st.integers(26, UNIVERSE), size, st.just("S001")),
    st.tuples(st.just("issue"), st.integers(18, UNIVERSE), size,
              st.sampled_from(TELLERS + ("S001",))),
    st.tuples(st.just("return"), st.integers(1, 25), size, teller),
    st.tuples(st.just("void"), first, st.sampled_from(("spoiled", "returned_medium", "lost")),
              teller),
    st.tuples(st.just("void_used"), st.integers(0, 10), st.just("returned_medium"), teller),
    *[st.tuples(st.just("use"), st.one_of(st.none(), first), st.just(None), teller)] * 2,
    st.tuples(st.just("use_smallest"), st.none(), st.none(), teller),
    st.tuples(st.just("use_refused"), st.none(), st.none(), teller),
    st.tuples(st.just("use_in_deposit"), st.none(), st.none(), teller),
    st.tuples(st.just("reverse"), st.none(), st.none(), st.none()),
)


@pytest.fixture
def world(core):
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
    kernel = ledger(core.engine)
    bdate = CoreServices(core.engine).branch("0101").business_date
    float_acct = float_account(core.engine, overdraft_limit=None)
    # a customer account the postings that carry a use go to (with 10.00 in it)
    acct = run_in_transaction(core.engine, lambda c: open_account(
        c, branch="0101", subject="2017", title="凭证测试", kind="personal_current",
        opened_on=bdate, customer_id=cid, product="P-CUR", account_class="I"))
    kernel.post(EntryRequest(key="bv-fund", branch="0101", teller="T001", terminal="T01",
                             txn_code="10020", step="post",
                             legs=(Leg(float_acct, "D", 1_000), Leg(acct, "C", 1_000))))
    return core, kernel, BlankVoucherService(core.engine, kernel.post), float_acct, acct


def request(teller: str, txn_code: str, legs=(), reversible=False) -> EntryRequest:
    return EntryRequest(key=f"bv-{next(keys)}", branch="0101", teller=teller, terminal="T01",
                        txn_code=txn_code, step="post", legs=tuple(legs), reversible=reversible)


def stored(core, kind: str) -> dict[str, tuple[str, str | None]]:
    with reader(core.engine) as conn:
        return {r.number: (r.status, r.teller_code) for r in conn.execute(
            sa.select(Voucher.number, Voucher.status, Voucher.teller_code)
            .where(Voucher.kind == kind))}


def test_voucher_stock_follows_the_model(world, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ops, min_size=3, max_size=16))
    def sequence_follows_the_model(steps):
        check_sequence(world, steps)
    sequence_follows_the_model()


def check_sequence(world, steps) -> None:
    core, kernel, vouchers, float_acct, acct = world
    # GIVEN a voucher kind of its own: 1-30 received, 1-10 issued to T001, 11-20 to T002
    kind = f"prop{next(kinds):04d}"
    run_in_transaction(core.engine, lambda c: define_kind(c, kind, f"测试凭证{kind}", 8))
    model = Model()
    vouchers.post(request("S001", "07110"), VoucherReceive(kind, num(1), num(30)))
    model.receive([num(i) for i in range(1, 31)])
    for lo, to in ((1, "T001"), (11, "T002")):
        vouchers.post(request("S001", "07120"), VoucherIssue(kind, num(lo), num(lo + 9), to))
        model.issue([num(i) for i in range(lo, lo + 10)], to)
    uses: list[tuple[int, str]] = []  # reversible entries that used a voucher: (entry, number)
    for op, a, b, who in steps:
        # WHEN a stock step, a use, or the reversal of a use is posted
        used = None
        if op == "receive":
            numbers = [num(i) for i in range(a, a + b)]
            want = model.receive(numbers)
            action = lambda: vouchers.post(request(who, "07110"),  # noqa: E731
                                           VoucherReceive(kind, numbers[0], numbers[-1]))
        elif op == "issue":
            numbers = [num(i) for i in range(a, a + b)]
            want = model.issue(numbers, who)
            action = lambda: vouchers.post(request("S001", "07120"),  # noqa: E731
                                           VoucherIssue(kind, numbers[0], numbers[-1], who))
        elif op == "return":
            numbers = [num(i) for i in range(a, a + b)]
            want = model.return_(numbers, who)
            action = lambda: vouchers.post(request(who, "07140"),  # noqa: E731
                                           VoucherReturn(kind, numbers[0], numbers[-1]))
        elif op in ("void", "void_used"):
            if op == "void_used":  # a medium handed back: most often the latest one
                spent = [n for n in model.used if model.v[n][0] == "used"]
                if not spent:
                    continue
                number = spent[-1 - a % len(spent)]
            else:
                number = num(a)
            want = model.void(number, who, b)
            action = lambda: vouchers.post(request(who, "07130"),  # noqa: E731
                                           VoucherVoid(kind, number, b))
        elif op in ("use", "use_smallest"):
            number = model.smallest(who) if op == "use_smallest" else \
                (None if a is None else num(a))
            want, used = model.use(who, number)
            action = lambda: vouchers.post(request(who, "18040"),  # noqa: E731
                                           VoucherUse(kind, number))
        elif op == "use_refused":
            # a step whose own legs are refused (more than the account holds)
            want = "voucher_none" if model.smallest(who) is None else "insufficient"
            action = lambda: kernel.post(dataclass_replace(request(  # noqa: E731
                who, "10030", (Leg(acct, "D", 10**9), Leg(float_acct, "C", 10**9)), True),
                VoucherUse(kind, None, acct)))
        elif op == "use_in_deposit":
            want, used = model.use(who, None)
            action = lambda: kernel.post(dataclass_replace(request(  # noqa: E731
                who, "10010", (Leg(float_acct, "D", 100), Leg(acct, "C", 100)), True),
                VoucherUse(kind, None, acct)))
        else:  # reverse the last posting that used a voucher (with a supervisor's grant)
            if not uses:
                continue
            entry_id, number = uses.pop()
            status, holder = model.v[number]
            if status != "used":
                continue  # voided since: test_reversing_a_use_after_the_medium_came_back
            want = None
            model.v[number] = ("box", holder)
            action = lambda: kernel.reverse(  # noqa: E731
                entry_id, key=f"bv-{next(keys)}", teller=holder, terminal="T01",
                authorization=AuthGrant("S002", "A"))
        try:
            posted = action()
            got = None
        except PostingRefused as exc:
            got, posted = exc.code, None
        # THEN it is refused exactly when the model says, with the model's reason
        event(f"{op}: {got}")
        assert got == want, (op, a, b, who, model.stock())
        if posted is not None and used is not None:
            assert posted.fact(f"{kind}_number") == used
            if op == "use_in_deposit":
                uses.append((posted.entry_id, used))
        # AND every voucher is where the model has it
        assert stored(core, kind) == model.v, (op, a, b, who)
        # AND each holder's stock is the model's and ties out with its 9001 count
        lines = {s.holder: s for s in vouchers.stock("0101") if s.kind == kind}
        expected = model.stock()
        assert {h: s.runs for h, s in lines.items() if s.count} == \
            {h: runs(ns) for h, ns in expected.items()}
        assert all(s.count == s.count_9001 for s in lines.values()), lines
    with reader(core.engine) as conn:
        assert tie_out_problems(conn, "0101") == []
    assert check_books(core.engine).ok


def test_reversing_a_use_after_the_medium_came_back_keeps_the_count(world, backend):
    """A step handed out a medium (its voucher used, C box 1 in the entry); the
    customer handed it back at once and the teller voided it (凭证作废, returned
    medium: no count leg); then the step is reversed the same day. Whatever the
    kernel does — refuse the reversal, or post it with the voucher left void —
    the box's vouchers and its 9001 count must still tie out (账实相符, a
    day-end blocker otherwise)."""
    core, kernel, vouchers, float_acct, acct = world

    @settings(max_examples=EXAMPLES[backend] // 6, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(teller, st.integers(1, 3), st.integers(0, 2))
    def reversal_keeps_the_tie_out(who, n_uses, which):
        kind = f"prop{next(kinds):04d}"
        run_in_transaction(core.engine, lambda c: define_kind(c, kind, f"测试凭证{kind}", 8))
        vouchers.post(request("S001", "07110"), VoucherReceive(kind, num(1), num(10)))
        vouchers.post(request("S001", "07120"), VoucherIssue(kind, num(1), num(10), who))
        # GIVEN postings that each handed out a medium of the teller's box
        posted = [kernel.post(dataclass_replace(request(
            who, "10010", (Leg(float_acct, "D", 100), Leg(acct, "C", 100)), True),
            VoucherUse(kind, None, acct))) for _ in range(n_uses)]
        entry = posted[which % n_uses]
        number = entry.fact(f"{kind}_number")
        # AND the customer handed one medium back, voided as a returned medium
        vouchers.post(request(who, "07130"), VoucherVoid(kind, number, "returned_medium"))
        # WHEN the teller reverses the step that handed it out
        try:
            kernel.reverse(entry.entry_id, key=f"bv-{next(keys)}", teller=who, terminal="T01",
                           authorization=AuthGrant("S002", "A"))
        except PostingRefused:
            pass  # refusing it is one answer
        # THEN the voucher is still void and the box ties out with its 9001 count
        assert stored(core, kind)[number][0] == "void"
        (line,) = [s for s in vouchers.stock("0101") if s.kind == kind and s.holder == who]
        assert (line.count, line.count_9001) == (10 - n_uses, 10 - n_uses)
        with reader(core.engine) as conn:
            assert tie_out_problems(conn, "0101") == []
    reversal_keeps_the_tie_out()


def dataclass_replace(req: EntryRequest, use: VoucherUse) -> EntryRequest:
    """``req`` carrying ``use``, as a flow's step that hands out a medium sends it."""
    return dataclasses.replace(req, attachments=req.attachments + (use,))
