"""Blank-voucher flows 07110–07150 headless through Session.run, incl. refusals."""
from __future__ import annotations

import pytest

from teller.api import Authorizer
from teller.core.ledger.db import reader
from teller.core.rulebook import check_books

PW = "demo123"
SUP = Authorizer("S002", PW)


def entries(core) -> int:
    import sqlalchemy as sa
    with reader(core.engine) as conn:
        return conn.execute(sa.text("SELECT count(*) FROM journal_entries")).scalar_one()


def stock(core, kind, holder):
    from teller.core.services import CoreServices
    lines = CoreServices(core.engine).vouchers.stock("0101")
    return next((s for s in lines if s.kind == kind and s.holder == holder), None)


def test_receive_then_draw_then_return(core, session):
    # GIVEN new passbooks arrive at the branch (supervisor authorizes)
    out = session.run("07110", {"kind": "passbook", "first": "10000101", "last": "10000150"},
                      SUP)
    assert out.ok and out.finished, out.problems
    assert stock(core, "passbook", "branch").count == 130
    # WHEN T001 draws five of them and returns two
    out = session.run("07120", {"kind": "passbook", "first": "10000101", "last": "10000105"},
                      SUP)
    assert out.ok, out.problems
    out = session.run("07140", {"kind": "passbook", "first": "10000104", "last": "10000105"},
                      SUP)
    assert out.ok, out.problems
    # THEN the box holds 13 and the branch 127, each equal to its 9001 count
    box, branch = stock(core, "passbook", "T001"), stock(core, "passbook", "branch")
    assert (box.count, box.count_9001) == (13, 13)
    assert (branch.count, branch.count_9001) == (127, 127)
    assert box.runs == (("10000001", "10000010"), ("10000101", "10000103"))
    assert check_books(core.engine).ok


def test_without_authorization_nothing_moves(core, session):
    n = entries(core)
    out = session.run("07120", {"kind": "passbook", "first": "10000021", "last": "10000025"})
    assert not out.ok and out.needs_authorization[0].level == "A"
    assert entries(core) == n


def test_page_rules_and_core_refusals_come_back_at_the_field(core, session):
    n = entries(core)
    out = session.run("07110", {"kind": "passbook", "first": "10000150", "last": "10000101"},
                      SUP)
    assert not out.ok and out.problems[0].field == "last"
    out = session.run("07110", {"kind": "passbook", "first": "1000x", "last": "10000101"}, SUP)
    assert not out.ok and out.problems[0].field == "first"
    # the stock has 10000021-10000100: numbers beyond are refused by the core
    out = session.run("07120", {"kind": "passbook", "first": "10000095", "last": "10000110"},
                      SUP)
    assert not out.ok and "不在网点库存中" in out.problems[0].message
    # another teller's voucher cannot be returned by T001
    out = session.run("07140", {"kind": "passbook", "first": "10000011", "last": "10000011"},
                      SUP)
    assert not out.ok and "不在本柜员尾箱中" in out.problems[0].message
    assert entries(core) == n


def test_void_a_spoiled_passbook(core, session):
    out = session.run("07130", {"kind": "passbook", "number": "10000001",
                                "reason": "spoiled"}, SUP)
    assert out.ok, out.problems
    box = stock(core, "passbook", "T001")
    assert (box.count, box.count_9001) == (9, 9)
    # a voucher of T002's box is refused on the page
    out = session.run("07130", {"kind": "passbook", "number": "10000011",
                                "reason": "spoiled"}, SUP)
    assert not out.ok and out.problems[0].field == "number"


def test_query_shows_stock_and_the_next_number(core, session):
    from teller.core.services import CoreServices
    from teller.transactions.context import Services
    from teller.transactions.flow import FlowRun
    from teller.transactions.registry import default_registry
    cs = CoreServices(core.engine)
    run = FlowRun(default_registry().get("07150"),
                  Services(core=cs, teller="T001", terminal="T01", branch_info=cs.branch("0101")))
    assert run.set("kind", "debit_card") == []
    lines = run.summary()
    assert ("网点库存", "branch", "80 张：20000021-20000100") in lines
    assert ("T001尾箱", "T001", "10 张：20000001-20000010") in lines
    # AND the result table names the number the teller's next use takes
    assert run.table().note == "下一张使用号码 20000001"
    assert session.run("07150", {"kind": "debit_card"}).ok


@pytest.mark.parametrize("code", ["07110", "07120", "07130", "07140", "07150"])
def test_flows_are_registered_under_cash_and_vouchers(code):
    from teller.transactions.registry import default_registry
    assert default_registry().get(code).category == "cash"
