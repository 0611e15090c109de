"""The composition root: a wrong core URL still opens the terminal; settings;
the journal view; the English translation."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from teller.app import TellerApp
from teller.forms.i18n import TRANSLATIONS, install_language
from teller.forms.settings_dialog import SettingsDialog
from teller.forms.settings_store import Settings, load_settings
from tests.forms.conftest import PW, customer_account
from tests.forms.test_wizard import type_and_enter, wait_page

ROOT = Path(__file__).resolve().parents[2]


def test_a_wrong_core_url_still_opens_with_a_clear_message(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("TELLER_DATA_DIR", str(tmp_path / "data"))
    # GIVEN settings pointing at a PostgreSQL nobody runs
    settings = Settings(core_url="postgresql://teller@127.0.0.1:1/core")
    app = TellerApp(QApplication.instance(), settings, settings_path=tmp_path / "s.json")
    # WHEN the terminal starts
    app.start()
    dialog = app.sign_on_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(app.offline_reason), timeout=15000)
    # THEN the sign-on window is open, says the core is offline, and offers settings
    assert dialog.isVisible()
    assert "脱机" in dialog.message.text()
    assert not dialog.settings_button.isHidden()
    # AND signing on explains why it cannot work instead of crashing
    dialog.user.setText("T001")
    dialog.password.setText(PW)
    QTest.keyClick(dialog.password, Qt.Key_Return)
    qtbot.waitUntil(lambda: not app.ops.busy, timeout=15000)
    assert dialog.reply is None and dialog.message.text()
    app.shutdown()


def test_settings_keep_the_password_out_of_the_file(qtbot, tmp_path):
    stored = {}

    def keyring(url, password):
        stored[url] = password
        return url.replace(f":{password}", "")

    dialog = SettingsDialog(Settings(), store_password=keyring)
    qtbot.addWidget(dialog)
    # WHEN the administrator types a URL with its password and a device port
    dialog.core_url.setText("postgresql://teller:s3cret@db.local/core")
    dialog.device_edits["passbook"].setText("socket://127.0.0.1:9101")
    dialog.language.setCurrentIndex(1)
    dialog.save()
    # THEN the password went to the keyring and the settings hold the clean URL
    result = dialog.result_settings
    assert result.core_url == "postgresql://teller@db.local/core"
    assert list(stored.values()) == ["s3cret"]
    assert result.device_url("passbook") == "socket://127.0.0.1:9101"
    from teller.forms.settings_store import save_settings
    path = save_settings(result, tmp_path / "settings.json")
    assert "s3cret" not in path.read_text(encoding="utf-8")
    assert load_settings(path) == result and result.language == "en"


def test_the_journal_lists_todays_entries_and_filters(qtbot, window, session, core):
    account = customer_account(core)
    # GIVEN two deposits posted headless today by this teller
    for amount in ("100.00", "200.00"):
        assert session.run("10020", {"account": account, "amount": amount, "mode": "cash"}).ok
    # WHEN the journal is refreshed (F5)
    QTest.keyClick(window, Qt.Key_F5)
    qtbot.waitUntil(lambda: len(window.journal.visible_numbers()) >= 2, timeout=5000)
    numbers = window.journal.visible_numbers()
    # THEN the search box narrows the list to one journal number
    window.journal.search.setText(numbers[0])
    assert window.journal.visible_numbers() == [numbers[0]]
    row = [window.journal.proxy.index(0, c).data() for c in range(6)]
    assert row[2] == "10020" and row[3] == account and row[5] == "已记账"


def test_double_click_opens_the_voucher_of_an_entry_posted_here(qtbot, window, core):
    account = customer_account(core)
    type_and_enter(qtbot, "10020")
    wait_page(qtbot, window, "account")
    window.wizard.session.commit  # the same session the window uses
    run = window.wizard.run
    run.set_many({"account": account, "amount": "50.00", "mode": "cash"})
    window.wizard.ops.run(window.wizard.session.commit, run, None,
                          on_done=window.wizard._committed)
    wait_page(qtbot, window, None)
    number = window.wizard.outcome.journal_numbers[0]
    window.wizard.leave()
    qtbot.waitUntil(lambda: number in window.journal.visible_numbers(), timeout=5000)
    window.open_voucher(number)
    from teller.forms.main_window import VoucherDialog
    dialogs = window.findChildren(VoucherDialog)
    assert dialogs and number in dialogs[-1].windowTitle()


def source_strings() -> set[tuple[str, str]]:
    ts = ET.parse(TRANSLATIONS / "teller_en.ts").getroot()
    out = {}
    for ctx in ts.iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            out[(name, msg.findtext("source"))] = (tr.text or "", tr.get("type"))
    return out


def test_every_tr_string_has_an_english_translation():
    import ast
    translations = source_strings()
    missing = []
    for path in sorted((ROOT / "teller" / "forms").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            for call in ast.walk(cls):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "tr" and call.args
                        and isinstance(call.args[0], ast.Constant)):
                    text, kind = translations.get((cls.name, call.args[0].value), ("", None))
                    if not text or kind in ("unfinished", "obsolete", "vanished"):
                        missing.append(f"{path.name} {cls.name}: {call.args[0].value}")
    assert not missing, "\n".join(missing)
    assert (TRANSLATIONS / "teller_en.qm").stat().st_size > 1000


def test_english_switches_the_ui_text(qtbot, terminal, ops):
    from teller.forms.signon import SignOnDialog
    app = QApplication.instance()
    assert install_language(app, "en")
    try:
        dialog = SignOnDialog(terminal, ops)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Teller sign-on"
    finally:
        install_language(app, "zh_CN")


def test_a_voucher_opens_for_an_entry_not_posted_in_this_window(qtbot, window, session, core):
    from teller.forms.main_window import VoucherDialog
    account = customer_account(core)
    # GIVEN a deposit posted headless (its voucher was never kept by the window)
    out = session.run("10020", {"account": account, "amount": "88.00", "mode": "cash"})
    assert out.ok and out.journal_numbers[0] not in window.vouchers
    number = out.journal_numbers[0]
    window.refresh()
    qtbot.waitUntil(lambda: number in window.journal.visible_numbers(), timeout=5000)
    # WHEN the teller activates its row in the journal
    window.journal.search.setText(number)
    window.journal.table.doubleClicked.emit(window.journal.proxy.index(0, 0))
    # THEN the voucher is rebuilt from the core and shown
    qtbot.waitUntil(lambda: bool(window.findChildren(VoucherDialog)), timeout=5000)
    dialog = window.findChildren(VoucherDialog)[-1]
    assert number in dialog.windowTitle()
    texts = [w.text() for w in dialog.findChildren(type(window.code_message))]
    assert "¥88.00" in texts and "捌拾捌元整" in texts
    # AND an unknown journal number says there is no voucher
    window.open_voucher("20990101T001999999")
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "no_voucher") is not None,
                    timeout=5000)


def test_voucher_dialog_opens_the_electronic_voucher_pdf(qtbot, window, session, core,
                                                          monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from teller.forms.main_window import VoucherDialog
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    out = session.run("10020", {"account": customer_account(core), "amount": "66.00",
                                "mode": "cash"})
    assert out.ok, out.problems
    number = out.journal_numbers[0]
    # GIVEN the voucher dialog of an entry
    window.open_voucher(number)
    qtbot.waitUntil(lambda: bool(window.findChildren(VoucherDialog)), timeout=5000)
    dialog = window.findChildren(VoucherDialog)[-1]
    # WHEN the teller presses 电子凭证 PDF
    from PySide6.QtWidgets import QPushButton
    dialog.findChild(QPushButton, "open_pdf").click()
    # THEN the filed PDF of that entry opens in the desktop's viewer
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    path = Path(opened[0].toLocalFile())
    assert path.name == f"{number}.pdf" and path.read_bytes().startswith(b"%PDF-")
    # AND the day's journal report opens from the toolbar
    window.report_action.trigger()
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=5000)
    assert Path(opened[1].toLocalFile()).name == "journal-T001.pdf"
