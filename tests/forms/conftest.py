"""Qt fixtures: a terminal on the demo core, a signed-on teller, a shown main window."""
from __future__ import annotations

import pytest


from teller.forms.background import Background

PW = "demo123"


@pytest.fixture
def ops(qtbot):
    background = Background()
    yield background
    background.wait_idle()


@pytest.fixture
def window(qtbot, session, ops):
    from teller.forms.main_window import MainWindow
    win = MainWindow(session, ops)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: not ops.busy)
    return win


def customer_account(core) -> str:
    return core.demo.accounts[0][0]


def rich_account(core) -> str:
    """刘芳's account: ¥86,000.50, enough for a withdrawal above the A-level limit."""
    return core.demo.accounts[1][0]
