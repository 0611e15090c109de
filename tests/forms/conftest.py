"""Qt fixtures: a terminal on the demo core, a signed-on teller, a shown main window."""
from __future__ import annotations

import pytest

from teller.api import Terminal
from teller.forms.background import Background
from tests.conftest import FAST_SCRYPT

PW = "demo123"


@pytest.fixture
def terminal(core, tmp_path):
    printed = []
    t = Terminal.open(core.url, tmp_path / "t01.sqlite", terminal_code="T01",
                      printer=printed.append, scrypt_n=FAST_SCRYPT)
    t.printed = printed
    yield t
    t.close()


@pytest.fixture
def ops(qtbot):
    background = Background()
    yield background
    background.wait_idle()


@pytest.fixture
def session(terminal):
    signed = terminal.sign_on("T001", PW)
    assert signed.ok, signed.message
    return signed.session


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
