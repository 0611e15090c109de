"""Fixtures for the personal deposit flows: a terminal whose core has a PIN
verifier, the shipped PIN pad emulator in-process (TCP on an ephemeral port,
the real driver), and PBOC cards read in-process from the virtual card."""
from __future__ import annotations

import pytest

from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.devices.card_reader import PbocReader
from teller.devices.card_reader.pboc import luhn_complete
from teller.devices.emulators.pinpad import DEMO_WORKING_KEY
from teller.devices.emulators.virtual_card import VirtualPbocCard
from tests.conftest import FAST_SCRYPT

PIN_SECRET = b"bank-secret-for-personal-tests"


@pytest.fixture
def keyed(pinpad):
    """keyed(pan, pin) -> the PinBlock the pad returns after the customer keys ``pin``."""
    pad, emulator = pinpad

    def key(pan: str, pin: str):
        emulator.auto_pin = pin
        try:
            return pad.read_pin(pan, timeout=10)
        finally:
            emulator.auto_pin = None
    return key


def read_card(pan: str, name: str = "") -> str:
    """Insert a virtual PBOC card and read it with the real PBOC reader logic."""
    return PbocReader(VirtualPbocCard(pan, name=name)).read().pan


def new_card(serial: int) -> str:
    return luhn_complete(f"62170099{serial:010d}")


@pytest.fixture
def verifier():
    return ZoneKeyPinVerifier(DEMO_WORKING_KEY, PIN_SECRET, scrypt_n=2**10)


@pytest.fixture
def pin_terminal(core, tmp_path, verifier):
    from teller.api import Terminal
    printed = []
    t = Terminal.open(core.url, tmp_path / "t01p.sqlite", terminal_code="T01",
                      printer=printed.append, scrypt_n=FAST_SCRYPT, pin_verifier=verifier)
    t.printed = printed
    yield t
    t.close()


@pytest.fixture
def teller_session(pin_terminal):
    signed = pin_terminal.sign_on("T001", "demo123")
    assert signed.ok, signed.message
    return signed.session
