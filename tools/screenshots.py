"""Screenshots of the teller shell for docs/screenshots/, from real windows.

    xvfb-run -a python tools/screenshots.py [OUT_DIR]

Builds a throw-away demo core in a temporary directory, signs on as T001 and
grabs the sign-on dialog, the main window (after one deposit, so the journal
has a line), the deposit wizard's amount page with its 大写 line and its cash
page with the proposed make-up (配款建议), the blind balancing page (09030), and
the first deposit's electronic voucher PDF as a PNG (needs ``pdftoppm``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def settle(ms: int = 200) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait(cond, timeout_ms: int = 10000) -> None:
    waited = 0
    while not cond() and waited < timeout_ms:
        settle(50)
        waited += 50
    if not cond():
        raise RuntimeError("timed out waiting for the GUI")


def main(out: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="teller-shots-"))
    os.environ["TELLER_DATA_DIR"] = str(tmp)
    from teller.api import Terminal
    from teller.app import ensure_embedded_core
    from teller.config import default_core_url
    from teller.forms.background import Background
    from teller.forms.main_window import MainWindow
    from teller.forms.signon import SignOnDialog

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    url = default_core_url()
    ensure_embedded_core(url)
    from teller.core.ledger.db import make_engine
    from teller.core.demo import DEMO_PASSWORD  # noqa: F401 - the screenshots sign on with it
    import sqlalchemy as sa
    engine = make_engine(url)
    with engine.connect() as conn:
        demo_accounts = conn.execute(sa.text(
            "select number from accounts where kind='personal_current' order by number")).all()
    engine.dispose()
    terminal = Terminal.open(url, tmp / "t01.sqlite", terminal_code="T01")
    ops = Background()

    dialog = SignOnDialog(terminal, ops, bank_title="演示农村商业银行 演示支行")
    dialog.show()
    dialog.user.setText("T001")
    dialog.password.setText("demo123")
    dialog.user.setFocus()
    settle(300)
    dialog.grab().save(str(out / "signon.png"))
    dialog.close()

    session = terminal.sign_on("T001", "demo123").session
    win = MainWindow(session, ops)
    win.show()
    win.activateWindow()
    wait(lambda: not ops.busy)
    demo_account = demo_accounts[0][0]
    first = session.run("10020", {"account": demo_account, "amount": "1234.56", "mode": "cash"})
    assert first.ok, first.problems
    win.refresh()
    wait(lambda: not ops.busy)
    settle(300)
    win.grab().save(str(out / "main_window.png"))

    win.open_code("10020")
    wait(lambda: win.wizard.run is not None and not ops.busy)
    win.wizard.widgets[0].edit.setText(demo_account)
    win.wizard.next()
    wait(lambda: not ops.busy and win.wizard.run.current.name == "amount")
    win.wizard.widgets[0].edit.setText("1,680.32")
    settle(300)
    win.grab().save(str(out / "wizard_amount.png"))
    win.wizard.next()   # mode cash (the default): the count page
    wait(lambda: not ops.busy and win.wizard.run.current.name == "cash")
    settle(300)
    win.grab().save(str(out / "wizard_cash.png"))
    ops.wait_idle()
    win.wizard.leave()
    wait(lambda: not ops.busy and win.stack.currentWidget() is not win.wizard)

    win.open_code("09030")
    wait(lambda: win.wizard.run is not None and not ops.busy)
    settle(300)
    win.grab().save(str(out / "balancing_blind.png"))
    ops.wait_idle()

    pdf = session.voucher_pdf(first.journal_numbers[0])
    if pdf is not None and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf),
                        str(out / "voucher_pdf")], check=True)
    terminal.close()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
