"""The generic wizard renders the interest trial (18570): its result page shows the
figures of the page before it, typed by keyboard only."""
from __future__ import annotations

from tests.forms.conftest import customer_account
from tests.forms.test_wizard import type_and_enter, wait_page


def test_interest_trial_result_page_shows_the_figures(qtbot, window, core):
    account = customer_account(core)
    type_and_enter(qtbot, "18570")
    wait_page(qtbot, window, "by")
    type_and_enter(qtbot)              # 按账号试算 (the default)
    wait_page(qtbot, window, "account")
    type_and_enter(qtbot, account)
    type_and_enter(qtbot)              # no amount: the whole balance
    wait_page(qtbot, window, "result")
    shown = dict(window.wizard._context_lines())
    # a fresh demo account has no accrual yet: nothing to settle today
    assert any(text == "¥0.00" for text in shown.values()), shown
    assert account in shown.values()
    type_and_enter(qtbot)              # Enter on the result page ends the trial
    wait_page(qtbot, window, None)
    assert window.wizard.outcome is None or window.wizard.outcome.journal_numbers == ()
