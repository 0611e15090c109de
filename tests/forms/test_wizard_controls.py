"""The wizard will not leave a quick freeze (18090) before the authority's details are in."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.forms.conftest import customer_account
from tests.forms.test_wizard import type_and_enter, wait_page


def test_esc_does_not_leave_a_quick_freeze_without_details(qtbot, window, core):
    # GIVEN 18090 open and a quick freeze committed (supervisor S002)
    type_and_enter(qtbot, "18090")
    wait_page(qtbot, window, "account")
    wizard = window.wizard
    run = wizard.run
    run.set_many({"account": customer_account(core), "action": "quick_freeze",
                  "kind": "freeze_full", "expires_on": str(dt.date.today()
                                                            + dt.timedelta(days=30))})
    out = wizard.session.commit(run, ("S002", "demo123"))
    assert not out.ok and run.current.name == "details" and run.committed
    wizard.render()
    # WHEN the teller presses Esc THEN the wizard stays, saying why
    QTest.keyClick(wizard, Qt.Key_Escape)
    assert wizard.run is run and window.stack.currentWidget() is not window.journal
    shown = {w.field.name: w.problem_label.text() for w in wizard.widgets}
    assert "须补录执法机关信息后才能退出" in shown["q_authority_name"]
