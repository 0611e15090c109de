"""Electronic vouchers (无纸化凭证) and the teller journal report as PDFs."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest

from teller.printing.archive import VoucherArchive
from teller.printing.journal_report import journal_totals, render_journal_report
from teller.printing.voucher_pdf import render_voucher

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils is installed by scripts/test.sh")


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def a_voucher(**kw):
    base = dict(bank="示例农村商业银行", branch="0101", branch_name="城关支行", txn_code="10030",
                txn_name="个人活期支取", txn_name_en="Personal current withdrawal",
                account_masked="621700****0018", account_name="张三",
                amount_fen=10_700_053, amount_capital="壹拾万柒仟元零伍角叁分",
                journal_number="20261123T001000007", teller="T001", authorizer="S002",
                time=dt.datetime(2026, 11, 23, 10, 31, 5), business_date=dt.date(2026, 11, 23),
                offline=False, mode="cash", counter_account_masked="", balance_after=5_000,
                memo="现金支取")
    base.update(kw)
    return SimpleNamespace(**base)


@needs_poppler
def test_voucher_pdf_carries_every_item_a_paper_voucher_has(tmp_path):
    # GIVEN a withdrawal's voucher
    # WHEN it is rendered
    path = tmp_path / "v.pdf"
    path.write_bytes(render_voucher(a_voucher()))
    text = pdf_text(path)
    # THEN bank, transaction, journal number, dates, account, amounts, teller and
    # authorizer are all on it, in Chinese
    for expected in ("示例农村商业银行", "个人活期支取凭证", "10030", "20261123T001000007",
                     "2026-11-23", "10:31:05", "621700****0018", "张三", "107,000.53",
                     "壹拾万柒仟元零伍角叁分", "T001", "S002", "客户签名", "现金"):
        assert expected in text, expected


@needs_poppler
def test_offline_voucher_is_stamped_and_a_long_name_stays_in_its_box(tmp_path):
    path = tmp_path / "v.pdf"
    path.write_bytes(render_voucher(a_voucher(offline=True, account_name="很" * 120)))
    text = pdf_text(path)
    assert "脱机" in text
    assert "很" * 120 not in text and "…" in text


def test_archive_files_once_and_finds_by_journal_number(tmp_path):
    archive = VoucherArchive(tmp_path)
    v = a_voucher()
    path = archive.store(v)
    assert path == tmp_path / "2026-11-23" / "20261123T001000007.pdf"
    first = path.stat().st_mtime_ns
    assert archive.store(v) == path and path.stat().st_mtime_ns == first
    assert archive.find("20261123T001000007") == path
    assert archive.find("20261123T001000008") is None
    assert archive.find("../../etc/passwd") is None
    with pytest.raises(ValueError):
        archive.store(a_voucher(journal_number="../x"))


def _line(n, code, amount, status="posted"):
    return SimpleNamespace(journal_number=f"20261123T001{n:06d}", txn_code=code, amount=amount,
                           status=status, account="6217000000000018",
                           created_at=dt.datetime(2026, 11, 23, 9, n % 60))


def test_journal_totals_net_out_reversed_entries():
    lines = [_line(1, "10020", 100_00), _line(2, "10020", 50_00, "reversed"),
             _line(3, "08210", 50_00, "reversal"), _line(4, "10030", 30_00)]
    totals = {t.txn_code: t for t in journal_totals(lines)}
    assert totals["10020"].entries == 2 and totals["10020"].reversed == 1
    assert totals["10020"].net == 100_00 and totals["10020"].amount == 150_00
    assert totals["08210"].reversals == 1 and totals["08210"].net == 0
    assert totals["10030"].net == 30_00


@needs_poppler
def test_journal_report_runs_over_pages_and_ends_with_totals(tmp_path):
    lines = [_line(n, "10020" if n % 3 else "10030", n * 100) for n in range(1, 121)]
    path = tmp_path / "j.pdf"
    path.write_bytes(render_journal_report(
        lines, bank="示例农村商业银行", branch="0101", branch_name="城关支行", teller="T001",
        business_date=dt.date(2026, 11, 23), titles={"10020": "个人活期存款",
                                                     "10030": "个人活期支取"},
        printed_at=dt.datetime(2026, 11, 23, 17, 30)))
    text = pdf_text(path)
    assert "柜员日结流水清单" in text
    assert re.search(r"第\s*3\s*/\s*3\s*页", text) and not re.search(r"第\s*4", text)
    assert "20261123T001000120" in text and "按交易汇总" in text
    total = sum(n * 100 for n in range(1, 121))
    from teller.domain.money import Money
    assert Money(total).format() in text
