"""Every posted step files its electronic voucher; the journal report covers the day."""
from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="poppler-utils is installed by scripts/test.sh")


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_posted_step_files_its_voucher_pdf_and_it_can_be_rebuilt(core, terminal, session):
    # GIVEN a teller at a terminal with a voucher archive
    number, name, pan = core.demo.accounts[0]
    # WHEN a deposit posts
    out = session.run("10020", {"account": pan, "amount": "1,000.00", "mode": "cash"})
    assert out.ok, out.problems
    jn = out.journal_numbers[0]
    # THEN its PDF is already filed and shows the journal number, name and 大写
    path = terminal.archive.find(jn)
    assert path is not None and path.read_bytes().startswith(b"%PDF-")
    text = pdf_text(path)
    assert jn in text and name in text and "壹仟元整" in text and "个人活期存入凭证" in text
    # WHEN the file is lost, asking for it rebuilds it from the core
    path.unlink()
    rebuilt = session.voucher_pdf(jn)
    assert rebuilt == path and jn in pdf_text(rebuilt)
    # AND another teller cannot open it
    other = terminal.sign_on("T002", "demo123").session
    assert other.voucher_pdf(jn) is None


def test_journal_report_lists_the_day_with_totals(core, session):
    number, _, pan = core.demo.accounts[0]
    a = session.run("10020", {"account": pan, "amount": "200.00", "mode": "cash"})
    b = session.run("10030", {"account": pan, "amount": "50.00", "mode": "cash"})
    assert a.ok and b.ok, (a.problems, b.problems)
    text = pdf_text(session.journal_report_pdf())
    assert a.journal_numbers[0] in text and b.journal_numbers[0] in text
    assert "按交易汇总" in text and "¥250.00" in text
