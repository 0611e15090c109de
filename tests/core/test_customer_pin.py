"""Customer passwords in the core: set, verify, 3 wrong lock, unlock — with
PIN blocks made by the real PIN pad driver against the shipped emulator."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.core.ledger import models as m
from teller.core.accounts.pins import CustomerPinService
from teller.core.ledger.db import reader
from teller.core.accounts.pin_verifier import PinCheck, ZoneKeyPinVerifier
from teller.core.ledger.records import PostingRefused
from teller.devices.emulators.pinpad import DEMO_WORKING_KEY

pytestmark = pytest.mark.postgres


def keyed(pinpad, pan: str, pin: str):
    """The customer keys ``pin`` on the pad; the terminal gets only the block."""
    pad, emulator = pinpad
    emulator.auto_pin = pin
    return pad.read_pin(pan, timeout=10)


@pytest.fixture
def service(core):
    verifier = ZoneKeyPinVerifier(DEMO_WORKING_KEY, b"bank-secret-for-tests", scrypt_n=2**10)
    return CustomerPinService(core.engine, verifier)


def test_three_wrong_pins_lock_and_only_unlock_clears(core, service, pinpad):
    account, _, card = core.demo.accounts[0]
    # GIVEN a card account whose password was set on the PIN pad
    service.set_pin(account, keyed(pinpad, card, "135790"))
    assert service.verify(account, keyed(pinpad, card, "135790")).accepted
    # WHEN the customer keys a wrong PIN three times
    results = [service.verify(account, keyed(pinpad, card, "000000")).result for _ in range(3)]
    # THEN the third locks, and even the right PIN is refused afterwards
    assert results == [PinCheck.WRONG, PinCheck.WRONG, PinCheck.LOCKED_NOW]
    locked = service.verify(account, keyed(pinpad, card, "135790"))
    assert locked.result is PinCheck.ALREADY_LOCKED and "密码已锁定" in locked.message
    service.unlock(account)
    assert service.verify(account, keyed(pinpad, card, "135790")).accepted


def test_a_right_pin_resets_the_count(core, service, pinpad):
    account, _, card = core.demo.accounts[1]
    service.set_pin(account, keyed(pinpad, card, "246810"))
    for _ in range(2):
        assert not service.verify(account, keyed(pinpad, card, "111111")).accepted
    assert service.verify(account, keyed(pinpad, card, "246810")).accepted
    assert service.verify(account, keyed(pinpad, card, "111111")).remaining == 2


def test_the_core_stores_no_pin(core, service, pinpad):
    account, _, card = core.demo.accounts[2]
    service.set_pin(account, keyed(pinpad, card, "975310"))
    with reader(core.engine) as conn:
        rows = conn.execute(sa.select(m.Account.__table__)).all()
    dump = repr(rows)
    assert "975310" not in dump and "scrypt1$" in dump


def test_account_without_password_is_refused(core, service, pinpad):
    account, _, card = core.demo.accounts[0]
    with pytest.raises(PostingRefused) as err:
        service.verify(account, keyed(pinpad, card, "123456"))
    assert err.value.code == "no_password"
