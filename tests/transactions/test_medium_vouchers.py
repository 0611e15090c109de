"""The media a flow hands out come from the teller's box of important blank
vouchers (重要空白凭证): the page proposes the smallest number, the core uses it
in the step's own entry (9001 count down) and refuses any other number."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from tests.transactions.conftest import new_card
from tests.transactions.test_personal_open import WANG_ID, card_values

pytestmark = pytest.mark.postgres


def entries(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry)).scalar_one()


def account_row(core, number):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Account.__table__)
                            .where(m.Account.number == number)).one()


def vouchers(session):
    return session.terminal.core.vouchers


def test_passbook_opening_takes_the_smallest_passbook_of_the_box(core, teller_session, keyed):
    v = vouchers(teller_session)
    box = v.box_account("0101", "T001", "passbook")
    before, n_entries = core.balance(box), entries(core)
    run, _ = teller_session.start("10010")
    # WHEN the teller keys a passbook number out of order THEN refused, naming the right one
    run.set_many({"id": WANG_ID, "medium_kind": "passbook", "passbook_number": "10000003"})
    out = teller_session.commit(run, stop_after="number")
    assert not out.ok and out.problems[0].field == "passbook_number"
    assert out.problems[0].message == "必须使用尾箱中最小号码的存折：10000001（输入的是 10000003）"
    # WHEN the proposal is taken (blank) and the account opened without money
    run.set_many({"passbook_number": None})
    assert teller_session.commit(run, stop_after="number").ok
    number = run.state["account_number"]
    run.set_many({"pin": keyed(number, "112233"), "pin_again": keyed(number, "112233")})
    out = teller_session.commit(run)
    assert out.ok and out.finished, out.problems
    # THEN the passbook is 10000001, used for the account, and the box count is one less
    row = account_row(core, number)
    assert (row.medium_kind, row.medium_number) == ("passbook", "10000001")
    info = v.voucher("passbook", "10000001")
    assert (info.status, info.account) == ("used", number)
    assert core.balance(box) == before - 1 and entries(core) == n_entries + 1
    assert [(leg.account, leg.direction, leg.amount) for leg in out.entries[0].legs] == \
        [(box, "C", 1)]
    assert v.use_next("0101", "T001", "passbook") == "10000002"


def test_card_opening_uses_a_blank_card_of_the_box_by_its_serial(core, teller_session, keyed):
    v = vouchers(teller_session)
    box = v.box_account("0101", "T001", "debit_card")
    before = core.balance(box)
    pan = new_card(41)
    out = teller_session.run("10010", card_values(keyed, pan))
    assert out.ok, out.problems
    number = teller_session.terminal.core.account_by_medium(pan).number
    # THEN the account is bound to the PAN read and the box's smallest blank card is used
    info = v.voucher("debit_card", "20000001")
    assert (info.status, info.account) == ("used", number)
    assert core.balance(box) == before - 1
    assert account_row(core, number).medium_number == pan


def test_an_empty_box_refuses_the_opening_and_posts_nothing(core, teller_session, keyed):
    from teller.core.ledger.records import EntryRequest
    v = vouchers(teller_session)
    # GIVEN T001 handed all its passbooks back to the branch
    v.return_to_branch(EntryRequest(key="ret-all", branch="0101", teller="T001", terminal="T01",
                                    txn_code="00000", step="return", legs=()),
                       kind="passbook", first="10000001", last="10000010")
    run, _ = teller_session.start("10010")
    run.set_many({"id": WANG_ID, "medium_kind": "passbook"})
    out = teller_session.commit(run, stop_after="number")
    assert not out.ok and out.problems[0].message == "尾箱中没有存折，请先领用"
    assert run.state["account_number"] is None


def test_closure_voids_the_card_taken_back_and_a_reversal_restores_it(core, teller_session,
                                                                      keyed):
    from tests.transactions.test_time_deposits import SUP
    v = vouchers(teller_session)
    pan = new_card(42)
    assert teller_session.run("10010", card_values(keyed, pan, pin="864200")).ok
    assert v.voucher("debit_card", "20000001").status == "used"
    box = v.box_account("0101", "T001", "debit_card")
    count = core.balance(box)
    # WHEN the (empty) account is closed with its card taken back
    out = teller_session.run("10040", {"account": {"number": pan, "source": "card"},
                                       "pin": keyed(pan, "864200")})
    assert out.ok, out.problems
    # THEN the card is void in the stock (returned medium) and the box count is unchanged
    info = v.voucher("debit_card", "20000001")
    assert (info.status, info.void_reason) == ("void", "returned_medium")
    assert core.balance(box) == count
    # WHEN the closure is reversed THEN the card is the customer's again
    rev = teller_session.run("08210", {"journal_number": out.journal_numbers[-1]}, SUP)
    assert rev.ok, rev.problems
    assert v.voucher("debit_card", "20000001").status == "used"


def test_card_replacement_takes_the_next_blank_card_and_voids_the_old_one(core, teller_session,
                                                                          keyed):
    v = vouchers(teller_session)
    old, new = new_card(43), new_card(44)
    assert teller_session.run("10010", card_values(keyed, old, pin="864200")).ok
    number = teller_session.terminal.core.account_by_medium(old).number
    box = v.box_account("0101", "T001", "debit_card")
    count, n_entries = core.balance(box), entries(core)
    # WHEN the damaged card is replaced by a new one read from the reader
    out = teller_session.run("18040", {"account": old, "pin": keyed(old, "864200"),
                                       "medium": "card", "reason": "damaged", "new_card": new,
                                       "new_pin": keyed(new, "112233")})
    assert out.ok, out.problems
    # THEN one entry took the box's next blank card; the old card is void in the stock
    assert entries(core) == n_entries + 1 and core.balance(box) == count - 1
    assert (v.voucher("debit_card", "20000002").status,
            v.voucher("debit_card", "20000002").account) == ("used", number)
    info = v.voucher("debit_card", "20000001")
    assert (info.status, info.void_reason) == ("void", "returned_medium")
    assert teller_session.terminal.core.account(number).medium_number == new


def test_reversing_an_opening_puts_the_blank_card_back_in_the_box(core, teller_session, keyed):
    from tests.transactions.test_time_deposits import SUP
    v = vouchers(teller_session)
    box = v.box_account("0101", "T001", "debit_card")
    count = core.balance(box)
    out = teller_session.run("10010", card_values(keyed, new_card(45)))
    assert out.ok, out.problems
    assert core.balance(box) == count - 1
    # WHEN the opening is reversed THEN count and stock agree again: the card is in the box
    rev = teller_session.run("08210", {"journal_number": out.journal_numbers[0]}, SUP)
    assert rev.ok, rev.problems
    assert core.balance(box) == count
    info = v.voucher("debit_card", "20000001")
    assert (info.status, info.account) == ("box", None)
    with reader(core.engine) as conn:
        from teller.core.vouchers.stock import tie_out_problems
        assert tie_out_problems(conn, "0101") == []
