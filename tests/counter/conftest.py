"""Fixtures for issue 5 part C: a counter with a passbook printer and a PIN pad,
both the shipped emulators driven in-process (ephemeral TCP ports, no pcscd),
and a core with a PIN verifier and a small passbook geometry."""
from __future__ import annotations

import dataclasses
import threading

import pytest
import sqlalchemy as sa

from teller.api import Terminal
from teller.core.ledger.db import run_in_transaction
from teller.core.ledger.accounts import open_account
from teller.core.ledger.models import Account
from teller.core.accounts.passbooks import PassbookGeometry
from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.core.services import CoreServices
from teller.devices.emulators.passbook_printer import PassbookPrinterEmulator
from teller.devices.emulators.pinpad import DEMO_MASTER_KEY, DEMO_WORKING_KEY, PinPadEmulator
from teller.devices.manager import DeviceManager
from teller.devices.pinpad import PinPad
from teller.devices.prompts import RecordingPrompts
from teller.devices.transports.serial import SerialTransport
from teller.devices.worker import DeviceWorker
from teller.domain.pin import encrypt_working_key, key_check_value
from teller.printing.archive import VoucherArchive
from teller.sync.store import LocalStore

FAST_SCRYPT = 2**10
PW = "demo123"
GEOMETRY = PassbookGeometry(lines_per_page=6, pages=2)


class Teller(RecordingPrompts):
    """The teller at the passbook printer: turns pages when asked, and puts the new
    book in when a replacement is issued (keeping the old one to look at)."""

    def __init__(self, emu: PassbookPrinterEmulator) -> None:
        super().__init__()
        self.emu = emu
        self.old_books: list = []

    def show(self, message_key: str, text: str) -> None:
        super().show(message_key, text)
        if message_key == "turn_page":
            n = int("".join(ch for ch in text if ch.isdigit()))
            threading.Timer(0.05, self.emu.turn_to, (n,)).start()
        elif message_key == "insert_new_passbook":
            self.old_books.append(self.emu.book)
            threading.Timer(0.05, self.emu.insert_book, ("", GEOMETRY.pages)).start()


@dataclasses.dataclass
class Counter:
    core: object
    terminal: Terminal
    session: object
    emu: PassbookPrinterEmulator
    teller: Teller
    pad: PinPad
    pad_emu: PinPadEmulator

    def pin(self, pan: str, pin: str):
        """The customer keys ``pin`` on the pad; the terminal gets only the block."""
        self.pad_emu.auto_pin = pin
        return self.pad.read_pin(pan, timeout=10)

    def open_account(self, *, account_class: str = "I", medium_kind: str | None = None,
                     medium_number: str | None = None, bound: str | None = None) -> str:
        def work(conn):
            number = open_account(conn, branch="0101", subject="2017", title="测试客户",
                                  kind="personal_current", opened_on=self.core.demo.business_date,
                                  product="P-CUR", account_class=account_class,
                                  medium_kind=medium_kind, medium_number=medium_number)
            if bound:
                conn.execute(sa.update(Account).where(Account.number == number)
                             .values(bound_account=bound))
            return number
        return run_in_transaction(self.core.engine, work)

    def passbook_account(self, deposits: int, amount: str = "100.00") -> str:
        number = self.open_account()
        for _ in range(deposits):
            out = self.session.run("10020", {"account": number, "amount": amount,
                                             "mode": "cash"})
            assert out.ok, out.problems
        self.terminal.core.passbooks.issue_first(number, "000100001", teller="T001")
        self.emu.insert_book(f"{number}=0001", pages=GEOMETRY.pages)
        return number


@pytest.fixture
def counter(core, tmp_path):
    emu = PassbookPrinterEmulator()
    emu.start()
    teller = Teller(emu)
    worker = DeviceWorker()
    worker.start()
    manager = DeviceManager({"passbook": {"kind": "passbook",
                                          "url": f"socket://127.0.0.1:{emu.port}"}},
                            worker, prompts=teller)
    drv = manager.driver("passbook")
    drv.profile = dataclasses.replace(drv.profile, media_timeout=5.0, poll_interval=0.05,
                                      reply_timeout=2.0)
    worker.call(drv.open)

    pad_emu = PinPadEmulator()
    port = pad_emu.serve_tcp("127.0.0.1", 0)
    pad = PinPad(SerialTransport(f"socket://127.0.0.1:{port}"))
    pad.open()
    pad.load_working_key(0, encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY),
                         key_check_value(DEMO_WORKING_KEY))

    verifier = ZoneKeyPinVerifier(DEMO_WORKING_KEY, b"bank-secret-for-tests", scrypt_n=FAST_SCRYPT)
    services = CoreServices(core.engine,
                            scrypt_n=FAST_SCRYPT, pin_verifier=verifier,
                            passbook_geometry=GEOMETRY)
    printed: list = []
    terminal = Terminal(services, LocalStore(tmp_path / "t01.sqlite"), terminal_code="T01",
                        devices=manager, printer=printed.append,
                        archive=VoucherArchive(tmp_path / "vouchers"))
    signed = terminal.sign_on("T001", PW)
    assert signed.ok, signed.message
    yield Counter(core, terminal, signed.session, emu, teller, pad, pad_emu)
    terminal.store.close()
    manager.close_all()
    worker.stop()
    pad.close()
    pad_emu.close()
    emu.stop()
