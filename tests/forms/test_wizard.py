"""The wizard host, driven by the keyboard only, against a demo core."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.forms.conftest import customer_account


def type_and_enter(qtbot, text: str = "") -> None:
    widget = QApplication.focusWidget()
    assert widget is not None, "keyboard focus is lost"
    if text:
        QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key_Return)


def wait_page(qtbot, window, step_name: str | None) -> None:
    def at_step():
        run = window.wizard.run
        assert not window.ops.busy
        assert run is not None and (run.current.name if run.current else None) == step_name
    try:
        qtbot.waitUntil(at_step, timeout=10000)
    except Exception:
        wiz = window.wizard
        raise AssertionError(f"stuck: {wiz.message.text()!r} "
                             f"{[(w.field.name, w.problem_label.text()) for w in wiz.widgets]}")


def test_typing_the_code_and_enter_opens_the_flow(qtbot, window):
    # GIVEN the main window with focus in the code box
    assert QApplication.focusWidget() is window.code_box
    # WHEN the teller types 10020 and Enter
    type_and_enter(qtbot, "10020")
    # THEN the deposit flow opens at its account page
    wait_page(qtbot, window, "account")
    assert window.stack.currentWidget() is window.wizard
    assert "10020" in window.wizard.heading.text()


def test_an_unknown_code_gets_a_clear_message(qtbot, window):
    # WHEN the teller types a code nobody registered
    type_and_enter(qtbot, "99999")
    # THEN the code box says so and no flow opens
    assert "99999" in window.code_message.text() and "不存在" in window.code_message.text()
    assert window.stack.currentWidget() is window.journal


def test_keyboard_only_deposit_posts_and_shows_the_journal_number(qtbot, window, core):
    account = customer_account(core)
    before = core.balance(account)
    type_and_enter(qtbot, "10020")
    wait_page(qtbot, window, "account")
    # WHEN everything is typed, with Enter between fields and pages
    type_and_enter(qtbot, account)
    wait_page(qtbot, window, "amount")
    assert window.wizard._context_lines(), "the holder's name is shown on the next page"
    type_and_enter(qtbot, "1,234.56")
    capital = window.wizard.findChild(type(window.wizard.message), "capital")
    assert capital.text() == "壹仟贰佰叁拾肆元伍角陆分"
    type_and_enter(qtbot)          # mode: cash (the default)
    type_and_enter(qtbot)          # memo: empty -> next page
    wait_page(qtbot, window, "cash")
    # THEN the cash page itself shows the system's make-up (配款建议) before any
    # count is typed, largest notes first
    proposal = dict(window.wizard._context_lines())["券别（系统配款）"]
    assert proposal.startswith("¥100.00×12，¥20.00×1，¥10.00×1"), proposal
    for _ in range(len(window.wizard._inputs())):
        type_and_enter(qtbot)      # no denominations typed: the proposed make-up
    wait_page(qtbot, window, "post")
    type_and_enter(qtbot)          # Enter on the confirmation page submits
    wait_page(qtbot, window, None)
    # THEN it posted: the balance moved and the result page shows the journal number
    assert core.balance(account) == before + 123456
    numbers = window.wizard.outcome.journal_numbers
    assert len(numbers) == 1
    shown = window.wizard.findChild(type(window.wizard.message), "journal_numbers")
    assert shown.text() == numbers[0]
    # AND Enter goes back to the journal, which lists the entry
    type_and_enter(qtbot)
    qtbot.waitUntil(lambda: numbers[0] in window.journal.visible_numbers(), timeout=5000)
    assert window.stack.currentWidget() is window.journal
    assert QApplication.focusWidget() is window.code_box


def test_back_is_disabled_on_the_first_page_and_esc_there_leaves(qtbot, window, core):
    # GIVEN the deposit flow open at its first page
    type_and_enter(qtbot, "10020")
    wait_page(qtbot, window, "account")
    # THEN Back is shown but disabled
    assert window.wizard.back_button.isVisible()
    assert not window.wizard.back_button.isEnabled()
    # WHEN the teller moves to the second page THEN Back is enabled
    type_and_enter(qtbot, customer_account(core))
    wait_page(qtbot, window, "amount")
    assert window.wizard.back_button.isEnabled()
    # WHEN Back is clicked THEN the first page is shown again, Back disabled
    window.wizard.back_button.click()
    wait_page(qtbot, window, "account")
    assert not window.wizard.back_button.isEnabled()
    # AND Esc on the first page still leaves the transaction
    QTest.keyClick(window.wizard, Qt.Key_Escape)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.journal, timeout=5000)
