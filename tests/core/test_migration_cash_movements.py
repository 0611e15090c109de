"""Migration 0022 regroups cash movements one row per entry and box, and back,
without losing a piece or a balancing's place."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from teller.core import schema
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.cash.counts import CashCount
from teller.core.ledger.records import EntryRequest, Leg
from teller.core.rulebook import ledger

pytestmark = pytest.mark.postgres

BEFORE = "0021_pg_journal_references"


def pieces_by_entry(engine, old_shape: bool) -> dict:
    """{(entry, box): (received, paid)} whatever the table's shape."""
    out: dict = {}
    with reader(engine) as conn:
        if old_shape:
            for r in conn.exec_driver_sql("SELECT entry_id, account_number, value_fen, direction, "
                                          "pieces FROM cash_movements ORDER BY id"):
                side = out.setdefault((r[0], r[1]), ({}, {}))[0 if r[3] == "in" else 1]
                side[r[2]] = side.get(r[2], 0) + r[4]
        else:
            for r in conn.exec_driver_sql("SELECT entry_id, account_number, received, paid "
                                          "FROM cash_movements ORDER BY id"):
                out[(r[0], r[1])] = tuple({d: n for d, n in json.loads(c)} for c in r[2:])
    return out


def last_ids(engine) -> dict[str, int]:
    with reader(engine) as conn:
        return dict(conn.exec_driver_sql("SELECT account_number, max(id) FROM cash_movements "
                                         "GROUP BY account_number").all())


def remembered(engine) -> int:
    with reader(engine) as conn:
        return conn.exec_driver_sql("SELECT last_movement_id FROM cash_balancings").scalar_one()


def test_movements_survive_downgrade_and_upgrade(core):
    # GIVEN a vault entry with change (notes in and out) and a balancing that
    # remembers the vault's last movement
    vault = core.account("vault")
    clearing = core.account("clearing")
    ledger(core.engine).post(EntryRequest(
        key="mig-1", branch="0101", teller="S001", terminal="T01", txn_code="00000",
        step="fund", reversible=False,
        legs=(Leg(vault, "D", 25000), Leg(clearing, "C", 25000)),
        attachments=(CashCount(vault, received=((10000, 3),), paid=((5000, 1),)),)))
    head_rows = pieces_by_entry(core.engine, old_shape=False)
    assert len(head_rows) >= 2 and any(paid for _, paid in head_rows.values())
    last = last_ids(core.engine)[vault]
    run_in_transaction(core.engine, lambda c: c.execute(sa.text(
        "INSERT INTO cash_balancings (teller_code, business_date, box_account, counted, "
        "system, difference, last_movement_id, at) VALUES ('S001', :d, :box, '[]', '[]', 0, "
        ":last, :at)"), {"d": dt.date(2026, 1, 5), "box": vault, "last": last,
                         "at": dt.datetime(2026, 1, 5, 9)}))
    core.engine.dispose()

    # WHEN the schema goes back to one row per denomination
    schema.downgrade(core.url, BEFORE)
    # THEN every piece is there, and the balancing points at the vault's last row
    assert pieces_by_entry(core.engine, old_shape=True) == head_rows
    assert remembered(core.engine) == last_ids(core.engine)[vault]
    core.engine.dispose()

    # WHEN it comes forward again
    schema.upgrade(core.url)
    # THEN the rows are one per entry and box again, with the same pieces
    assert pieces_by_entry(core.engine, old_shape=False) == head_rows
    assert remembered(core.engine) == last_ids(core.engine)[vault]
    report = check_books(core.engine)
    assert report.ok, report.summary()
