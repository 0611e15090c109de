"""现金头寸表, 重要空白凭证库存表 and 长短款登记簿: the data ties to the ledger
(1001, 9001, 2241) and the PDF says so — or says it does not. Text checked with
pdftotext; also through `teller report`. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from teller.core.cash.models import CashHolding
from teller.cli import main
from teller.core.day.branch_reports import cash_position, over_short_register, voucher_stock
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.models import Account
from teller.core.rulebook import ledger
from teller.core.ledger.records import EntryRequest, Leg
from teller.printing.branch_reports_pdf import (
    render_cash_position, render_over_short, render_voucher_stock,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")]
AT = dt.datetime(2026, 11, 23, 18, 5)


def text_of(data: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def holdings(core, account):
    with reader(core.engine) as conn:
        return {int(v): int(n) for v, n in conn.execute(
            sa.select(CashHolding.value_fen, CashHolding.pieces)
            .where(CashHolding.account_number == account)) if n}


def test_cash_position_by_denomination_ties_to_1001_and_says_when_not(core, tmp_path):
    box, vault = core.account("cash_box", "T001"), core.account("vault")
    # GIVEN the demo branch: a vault and the tellers' boxes, counted by denomination
    pos = cash_position(core.engine, "0101")
    assert pos.ties, pos.problems
    assert pos.gl_1001 == sum(b.gl_balance for b in pos.boxes) == sum(b.total for b in pos.boxes)
    mine = next(b for b in pos.boxes if b.account == box)
    assert dict(mine.counts) == holdings(core, box) and mine.kind == "teller"
    assert pos.counts("vault") == holdings(core, vault)
    hundreds = pos.branch_counts[10000]
    text = text_of(render_cash_position(pos, printed_at=AT), tmp_path, "cash")
    # THEN the PDF lists the denominations, the boxes, the totals and the verdict
    assert "现金头寸表" in text and box in text and vault in text
    assert str(hundreds) in text
    assert "相符 ties" in text and "不符" not in text
    # WHEN a box's counts drift from its ledger balance (one 100 note too many)
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(CashHolding.__table__).where(CashHolding.account_number == box,
                                                  CashHolding.value_fen == 10000)
        .values(pieces=CashHolding.pieces + 1)))
    pos = cash_position(core.engine, "0101")
    # THEN it does not tie, and the paper says so with the reason
    assert not pos.ties and {p.field for p in pos.problems} == {f"box:{box}", "gl:1001"}
    text = text_of(render_cash_position(pos, printed_at=AT), tmp_path, "cash2")
    assert "does not tie" in text and "与账面" in text


def test_voucher_stock_ties_to_9001_and_says_when_not(core, tmp_path):
    stock = voucher_stock(core.engine, "0101")
    assert stock.ties and stock.lines
    text = text_of(render_voucher_stock(stock, printed_at=AT), tmp_path, "stock")
    assert "重要空白凭证库存表" in text and "相符 ties" in text
    assert stock.lines[0].kind_name in text
    # WHEN a 9001 count is moved without a voucher
    with reader(core.engine) as conn:
        acct = conn.execute(sa.select(Account.number).where(
            Account.kind == "voucher_box", Account.owner_user == "T001",
            Account.medium_kind == "passbook")).scalar_one()
    ledger(core.engine).post(EntryRequest(
        key="report-test-9001", branch="0101", teller="T001", terminal="T01",
        txn_code="00000", step="post", legs=(Leg(acct, "D", 1),)))
    stock = voucher_stock(core.engine, "0101")
    assert not stock.ties
    text = text_of(render_voucher_stock(stock, printed_at=AT), tmp_path, "stock2")
    assert "does not tie" in text


def test_over_short_register_lists_items_and_ties_to_2241(core, session, tmp_path):
    box = core.account("cash_box", "T001")
    # GIVEN T001 counts one 100 note short and a supervisor authorizes the difference
    counted = holdings(core, box)
    counted[10000] -= 1
    out = session.run("09030", {"counts": {str(d): n for d, n in counted.items()}},
                      authorizer=("S002", "demo123"))
    assert out.ok, out.problems
    reg = over_short_register(core.engine, "0101")
    # THEN the register has the open shortage, equal to 2241 待处理短款
    assert [(x.kind, x.amount, x.status, x.teller) for x in reg.lines] == [
        ("short", 10_000, "open", "T001")]
    assert reg.ties and reg.open_total("short") == reg.suspense["short"] == 10_000
    text = text_of(render_over_short(reg, printed_at=AT), tmp_path, "os")
    assert "长短款登记簿" in text and "短款" in text and "100.00" in text
    assert "未处理" in text and "相符 ties" in text
    # AND `teller report over-short` writes the same and exits 0 (ties)
    pdf = tmp_path / "os-cli.pdf"
    assert main(["report", "over-short", "--url", core.url, "--out", str(pdf)]) == 0
    assert "长短款登记簿" in text_of(pdf.read_bytes(), tmp_path, "os3")
    for which in ("cash-position", "voucher-stock"):
        assert main(["report", which, "--url", core.url, "--out",
                     str(tmp_path / f"{which}.pdf")]) == 0
