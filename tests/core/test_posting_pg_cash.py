"""Cash counts (券别) through ``teller_post()`` against the Python engine.

GIVEN two PostgreSQL schemas with the same demo branch, T001 signed on with
      their box drawn — one posting through the Python engine, one through the
      server-side function
WHEN the same cash entries are posted on both: deposits and withdrawals with
     counts and change, a new denomination, and every way a count can be wrong
THEN each step has the same outcome (journal number and balances, or the same
     refusal and words), the boxes hold the same notes with the same
     movements, the chains hash alike, and the ordinary entries never reached
     the Python engine on the function's side.
"""
from __future__ import annotations

import sqlalchemy as sa

from teller.core.cash.models import CashHolding, CashMovement
from teller.core.ledger.db import reader
from teller.core.ledger.integrity import check_books
from teller.core.ledger.accounts import internal_account
from teller.core.operators.service import OperatorService
from teller.core.ledger.records import CashCount, EntryRequest, Leg
from teller.core.cash.teller_day import TellerDayService
from tests.conftest import FAST_SCRYPT
from tests.core.test_posting_pg import outcome, pair  # noqa: F401 - pair is a fixture


def boxes_of(side) -> tuple[str, str, str]:
    with reader(side.engine) as conn:
        return (internal_account(conn, "0101", "cash_box", "T001"),
                internal_account(conn, "0101", "cash_box", "T002"),
                internal_account(conn, "0101", "vault"))


def cash_tables(side) -> dict:
    h, mv = CashHolding.__table__, CashMovement.__table__
    with reader(side.engine) as conn:
        return {
            "holdings": conn.execute(sa.select(h.c.account_number, h.c.value_fen, h.c.pieces)
                                     .order_by(h.c.account_number, h.c.value_fen)).all(),
            "movements": conn.execute(sa.select(mv.c.entry_id, mv.c.account_number,
                                                mv.c.received, mv.c.paid)
                                      .order_by(mv.c.id)).all(),
        }


def holdings_of(side, box: str) -> dict[int, int]:
    return {d: n for account, d, n in cash_tables(side)["holdings"] if account == box}


def test_cash_counts_are_kept_alike_by_the_function_and_the_python_engine(pair):  # noqa: F811
    (python, function), now = pair
    for side in (python, function):
        day = TellerDayService(side.engine, OperatorService(side.engine, scrypt_n=FAST_SCRYPT),
                               clock=lambda: now[0])
        assert not day.sign_on("T001", "T01").problems
    box, other_box, vault = boxes_of(python)
    assert boxes_of(function) == (box, other_box, vault)
    customer = python.accounts[4]
    ones = holdings_of(python, box).get(1, 0)
    reached_python: list[str] = []
    original = function.posting._post_in

    def counting(conn, req, *args, **kw):
        reached_python.append(req.key)
        return original(conn, req, *args, **kw)
    function.posting._post_in = counting

    def entry(key, legs, cash=(), teller="T001"):
        return EntryRequest(key=key, branch="0101", teller=teller, terminal="T01",
                            txn_code="10020", step="post", legs=legs, cash=cash)

    def deposit(key, amount, received, paid=(), account=None, **kw):
        account = account or box
        return entry(key, (Leg(account, "D", amount), Leg(customer, "C", amount)),
                     (CashCount(account, received=received, paid=paid),), **kw)

    def withdrawal(key, amount, paid, received=()):
        return entry(key, (Leg(customer, "D", amount), Leg(box, "C", amount)),
                     (CashCount(box, received=received, paid=paid),))

    ordinary = [
        deposit("c-1", 25_000, ((10_000, 3),), ((5_000, 1),)),      # change given back
        withdrawal("c-2", 12_345, ((10_000, 1), (2_000, 1), (100, 3), (10, 4), (5, 1))),
        deposit("c-3", 2, ((2, 1),)),                               # the smallest coins
        deposit("c-4", 30_000, ((10_000, 1), (10_000, 2))),         # one value twice
        entry("c-5", (Leg(vault, "D", 10_000), Leg(python.accounts[3], "C", 10_000)),
              (CashCount(vault, received=((5_000, 2),)),), teller="S002"),  # a vault keeper
        # (S002: no demo entries, so both chains start alike)
    ]
    wrong = [
        deposit("w-1", 10_000, ((5_000, 1),)),                      # does not add up
        entry("w-2", (Leg(box, "D", 500), Leg(customer, "C", 500))),  # no counts
        deposit("w-3", 700, ((700, 1),)),                           # no such denomination
        withdrawal("w-4", ones + 1, ((1, ones + 1),)),               # one 1 分 more than held
        deposit("w-5", 500, ((500, 1),), account=other_box),        # T002's box, stored
        deposit("w-6", 500, ((500, 1),), account=vault),            # the vault, by a teller
        entry("w-7", (Leg(customer, "D", 500), Leg(python.accounts[5], "C", 500)),
              (CashCount(customer, received=((500, 1),)),)),          # counts on no cash leg
        deposit("w-8", 500, ((500, 1),), teller="T002"),            # not the holder
    ]
    for req in ordinary + wrong + ordinary[:1]:                     # and one replay
        # WHEN the same request is posted on both sides
        results = [outcome(lambda s=s: s.posting.post(req)) for s in (python, function)]
        # THEN the outcomes are the same
        assert results[0] == results[1], req.key
        assert results[0][0] == ("posted" if req.key.startswith("c") else "refused"), results
    # AND the function posted every ordinary entry itself
    assert not any(key.startswith("c") for key in reached_python), reached_python
    assert {k for k in reached_python} == {r.key for r in wrong}
    # AND the boxes, the movements, the books and the chains are the same
    assert cash_tables(python) == cash_tables(function)
    assert python.dump() == function.dump()
    assert check_books(python.engine).ok and check_books(function.engine).ok
