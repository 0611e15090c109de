"""The customer PIN verifier of a real terminal (Terminal.open, the GUI's
open_terminal, ``teller run``): built-in by default, 'none' or a factory by
setting — so 10010/10030/18030 work outside the tests' own fixtures."""
from __future__ import annotations

import pytest

from teller.api import Terminal, make_pin_verifier
from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.devices.emulators.pinpad import DEMO_WORKING_KEY
from teller.domain.pin import (
    PinBlock, encrypt_pin_block, iso9564_format0_clear_block, key_check_value,
)
from tests.conftest import FAST_SCRYPT


def keyed(pan: str, pin: str) -> PinBlock:
    return PinBlock.from_ciphertext(
        encrypt_pin_block(DEMO_WORKING_KEY, iso9564_format0_clear_block(pin, pan)),
        f"M00:KCV={key_check_value(DEMO_WORKING_KEY)}")


def other_bank() -> ZoneKeyPinVerifier:
    return ZoneKeyPinVerifier(DEMO_WORKING_KEY, b"another-bank-secret-0123456789")


def open_t(core, tmp_path, name, **kw) -> Terminal:
    return Terminal.open(core.url, tmp_path / f"{name}.sqlite", terminal_code="T01",
                         scrypt_n=FAST_SCRYPT, **kw)


def test_a_terminal_opened_plainly_verifies_pins_with_the_builtin_verifier(
        core, tmp_path, monkeypatch):
    monkeypatch.delenv("TELLER_PIN_VERIFIER", raising=False)
    number, _, pan = core.demo.accounts[0]
    # GIVEN a terminal opened without naming a verifier
    t1 = open_t(core, tmp_path, "a")
    assert t1.core.customer_pins is not None
    # WHEN a PIN is set there
    t1.core.customer_pins.set_pin(number, keyed(pan, "135790"))
    # THEN another plainly opened terminal (or the demo GUI) verifies it
    t2 = open_t(core, tmp_path, "b")
    assert t2.core.customer_pins.verify(number, keyed(pan, "135790")).accepted
    assert not t2.core.customer_pins.verify(number, keyed(pan, "000000")).accepted
    # AND a bank's own verifier named as module:factory is used instead
    t3 = open_t(core, tmp_path, "c", pin_verifier="tests.test_pin_setting:other_bank")
    assert not t3.core.customer_pins.verify(number, keyed(pan, "135790")).accepted
    for t in (t1, t2, t3):
        t.close()


def test_none_and_the_environment_turn_it_off(core, tmp_path, monkeypatch):
    monkeypatch.setenv("TELLER_PIN_VERIFIER", "none")
    t = open_t(core, tmp_path, "d")
    assert t.core.customer_pins is None
    t.close()
    t = open_t(core, tmp_path, "e", pin_verifier="builtin")
    assert t.core.customer_pins is not None
    t.close()
    with pytest.raises(ValueError):
        make_pin_verifier("nonsense")


def test_the_gui_settings_carry_the_verifier(tmp_path):
    from teller.forms.settings_store import Settings, load_settings, save_settings
    path = save_settings(Settings(pin_verifier="none"), tmp_path / "s.json")
    assert load_settings(path).pin_verifier == "none"
    assert load_settings(tmp_path / "missing.json").pin_verifier == ""
