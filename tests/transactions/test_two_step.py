"""A flow with two commit steps (used only here): it can be left after the first
step, resumed, and is reversed from the last committed step backwards."""
from __future__ import annotations

import pytest

from teller.api import Terminal
from teller.core.cash.counts import CashCount
from teller.core.ledger.records import Leg
from teller.domain.cash import propose
from teller.transactions.common import cash_box, require
from teller.transactions.fields import AccountField, AmountField, ChoiceField
from teller.transactions.flow import Commit, CommitResult, Flow, Page
from tests.conftest import FAST_SCRYPT

pytestmark = pytest.mark.postgres
PW = "demo123"
FEE = 100


def pay_in(state, ctx):
    acct = require(state, ctx, "account")
    amount, box = state["amount"].fen, cash_box(ctx)
    notes = tuple(propose(amount, (10000, 5000, 1000, 100, 10, 1)).items())
    return CommitResult((ctx.post((Leg(box, "D", amount), Leg(acct.number, "C", amount)),
                                  attach=(CashCount(box, received=notes),)),))


def charge_fee(state, ctx):
    acct = require(state, ctx, "account")
    box = cash_box(ctx)
    return CommitResult((ctx.post((Leg(acct.number, "D", FEE), Leg(box, "C", FEE)),
                                  attach=(CashCount(box, paid=((FEE, 1),)),)),))


class TwoStep(Flow):
    """测试用两步交易: pay in, confirm, charge a fee."""

    code, title, title_en, category = "99990", "两步测试", "Two-step test", "general"
    pages = (
        Page("account", "账户", "Account", fields=(AccountField("account", "账号"),
                                                  AmountField("amount", "金额"))),
        Commit("pay_in", "存入", "Pay in", execute=pay_in),
        Page("confirm", "确认", "Confirm", fields=(
            ChoiceField("go_on", "继续", choices=(("yes", "是", "Yes"), ("no", "否", "No"))),)),
        Commit("fee", "收费", "Fee", execute=charge_fee),
    )


@pytest.fixture
def setup(core, tmp_path):
    terminal = Terminal.open(core.url, tmp_path / "t.sqlite", scrypt_n=FAST_SCRYPT)
    terminal.registry.register(TwoStep)
    session = terminal.sign_on("T001", PW).session
    yield core, terminal, session
    terminal.close()


def test_left_after_step_one_then_resumed(setup):
    core, terminal, session = setup
    number = core.demo.accounts[0][0]
    before = core.balance(number)
    # WHEN the flow is left after its first commit step
    out = session.run("99990", {"account": number, "amount": "10.00"}, stop_after="pay_in")
    # THEN one step stands and the run is listed as unfinished
    assert out.ok and not out.finished and len(out.journal_numbers) == 1
    assert core.balance(number) == before + 1000
    (rec,) = session.open_runs()
    assert rec.run_id == out.run_id and rec.code == "99990"
    # WHEN it is resumed THEN only the second step posts
    done = session.resume(out.run_id, {"go_on": "yes"})
    assert done.ok and done.finished and len(done.journal_numbers) == 1
    assert core.balance(number) == before + 1000 - FEE
    assert session.open_runs() == ()


def test_reversal_goes_from_the_last_step_backwards(setup):
    core, terminal, session = setup
    number = core.demo.accounts[0][0]
    before = core.balance(number)
    out = session.run("99990", {"account": number, "amount": "10.00", "go_on": "yes"})
    first, second = out.journal_numbers
    # WHEN the first step is reversed while the second still stands THEN refused
    bad = session.run("08210", {"journal_number": first}, ("S002", PW))
    assert not bad.ok
    assert bad.problems[0].message == f"请从后向前依次冲正：先冲正流水号 {second}"
    # WHEN reversed last-first THEN both go and the balance is back
    assert session.run("08210", {"journal_number": second}, ("S002", PW)).ok
    assert session.run("08210", {"journal_number": first}, ("S002", PW)).ok
    assert core.balance(number) == before


def test_left_after_step_one_its_step_reverses_and_run_is_abandoned(setup):
    core, terminal, session = setup
    number = core.demo.accounts[0][0]
    before = core.balance(number)
    out = session.run("99990", {"account": number, "amount": "5.00"}, stop_after="pay_in")
    assert session.abandon(out.run_id).ok and session.open_runs() == ()
    rev = session.run("08210", {"journal_number": out.journal_numbers[0]}, ("S002", PW))
    assert rev.ok and core.balance(number) == before


def test_can_go_back_is_false_on_the_first_page_and_right_after_a_commit(setup):
    core, terminal, session = setup
    number = core.demo.accounts[0][0]
    # GIVEN a fresh run on its first page
    run, _ = session.start("99990")
    run.set_many({"account": number, "amount": "10.00"})
    # THEN there is nothing to go back to
    assert not run.can_go_back and not run.back()
    # WHEN it moves on to the commit step THEN Back is possible and goes to the page
    assert run.next() == [] and run.current.name == "pay_in"
    assert run.can_go_back
    assert run.back() and run.current.name == "account"
    assert not run.can_go_back
    # WHEN the first step is committed THEN the next page cannot go back past it
    assert run.next() == [] and run.commit().ok
    assert run.current.name == "confirm" and not run.can_go_back and not run.back()
    # AND after the confirm page Back returns to it, but no further
    run.set("go_on", "yes")
    assert run.next() == [] and run.current.name == "fee" and run.can_go_back
    assert run.back() and run.current.name == "confirm" and not run.can_go_back
