"""A "warn" limit (18101) posts, and the wizard's result page says so."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from tests.forms.conftest import customer_account
from tests.forms.test_wizard import type_and_enter, wait_page


def deposit_through_the_wizard(qtbot, window, account, amount):
    type_and_enter(qtbot, "10020")
    wait_page(qtbot, window, "account")
    wizard = window.wizard
    wizard.run.set_many({"account": account, "amount": amount, "mode": "cash"})
    while wizard.run.current.name != "post":
        assert wizard.run.next() == []
    wizard.render()
    wizard.submit()
    wait_page(qtbot, window, None)
    return wizard


def test_a_warn_limit_breach_is_shown_on_the_result_page(qtbot, window, core):
    account = customer_account(core)
    # GIVEN a limit that only warns above 10.00 a transaction
    assert window.session.run("18101", {"account": account, "action": "add",
                                        "single_max": "10.00", "on_breach": "warn"},
                              authorizer=("S002", "demo123")).ok
    before = core.balance(account)
    # WHEN 20.00 is deposited through the wizard
    wizard = deposit_through_the_wizard(qtbot, window, account, "20.00")
    # THEN it posted and the result page shows the core's warning
    assert core.balance(account) == before + 2000
    shown = wizard.findChild(QLabel, "warnings")
    assert shown is not None and shown.text() == "账户交易控制提示：单笔金额超过上限 10.00"


def test_no_warning_line_when_nothing_was_breached(qtbot, window, core):
    wizard = deposit_through_the_wizard(qtbot, window, customer_account(core), "20.00")
    assert wizard.outcome.ok and wizard.findChild(QLabel, "warnings") is None
