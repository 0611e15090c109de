"""ISO 9564 format-0 blocks, key check values, the redacted PinBlock, the verifier and
the 3-strikes rule."""
from __future__ import annotations

import pytest

from teller.core.accounts.pin_verifier import (
    PinAttemptPolicy,
    PinAttemptState,
    PinCheck,
    PinKeyMismatch,
    ZoneKeyPinVerifier,
    check_pin,
)
from teller.domain.pin import (
    PinBlock,
    PinFormatError,
    decrypt_working_key,
    encrypt_pin_block,
    encrypt_working_key,
    iso9564_format0_clear_block,
    iso9564_format0_extract_pin,
    key_check_value,
    tdes_ecb_decrypt,
    tdes_ecb_encrypt,
)

ZONE_KEY = bytes.fromhex("89ABCDEF0123456776543210FEDCBA98")
SECRET = b"bank-pin-secret-for-tests-only!!"


@pytest.mark.parametrize("pin, pan, expected", [
    # Wikipedia / EFTlab / ID TECH published example.
    ("1234", "43219876543210987", "0412AC89ABCDEF67"),
    # Thales payShield host manual, PIN block format 01 example (13-digit PAN, check digit 2).
    ("92389", "4000001234562", "0592789FFFEDCBA9"),
    # PAN 4000001234562000: the 12 digits left of the check digit are 000123456200,
    # so the PAN field is 0000000123456200 (not 0000001234562000, which keeps the
    # check digit and is a common mistake).
    ("1234", "4000001234562000", "041234FEDCBA9DFF"),
])
def test_format0_clear_block_matches_published_vectors(pin, pan, expected):
    # GIVEN a PIN and PAN from a published example
    # WHEN the clear format-0 block is built
    block = iso9564_format0_clear_block(pin, pan)
    # THEN it is byte-for-byte the published block, and the PIN comes back out
    assert block.hex().upper() == expected
    assert iso9564_format0_extract_pin(block, pan) == pin


def test_short_account_numbers_are_zero_filled_on_the_left():
    # GIVEN an account number shorter than 13 digits
    # WHEN the block is built (PAN field = 0000 + 00000 + 1234567, check digit 8 dropped)
    block = iso9564_format0_clear_block("123456", "12345678")
    # THEN it is the PIN field XOR 0000000001234567
    assert block.hex().upper() == "06123456FEDCBA98"


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "１２３４"])
def test_invalid_pins_are_refused_without_echoing_them(pin):
    with pytest.raises(PinFormatError) as err:
        iso9564_format0_clear_block(pin, "6222020000000000018")
    assert pin not in str(err.value)


def test_extract_rejects_a_block_that_is_not_format_0():
    # GIVEN a block decoded with the wrong PAN (pad nibbles are no longer F)
    block = iso9564_format0_clear_block("123456", "6222020000000000018")
    # WHEN it is read with another PAN THEN it is refused as malformed
    with pytest.raises(PinFormatError):
        iso9564_format0_extract_pin(block, "6222029999999999995")


def test_key_check_values_of_known_keys():
    # 0123456789ABCDEF FEDCBA9876543210 → 08D7B4FB629D0885 (widely published; e.g. QPOS SDK demo)
    assert key_check_value(bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")) == "08D7B4"
    # Single-length DES key 0123456789ABCDEF → D5D44FF720683D0D (classic DES check value)
    assert key_check_value(bytes.fromhex("0123456789ABCDEF")) == "D5D44F"


def test_working_key_round_trips_under_the_master_key():
    master = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    wrapped = encrypt_working_key(master, ZONE_KEY)
    assert wrapped != ZONE_KEY and len(wrapped) == 16
    assert decrypt_working_key(master, wrapped) == ZONE_KEY
    assert tdes_ecb_decrypt(ZONE_KEY, tdes_ecb_encrypt(ZONE_KEY, b"ABCDEFGH")) == b"ABCDEFGH"


def _block(pin: str, pan: str, key: bytes = ZONE_KEY) -> PinBlock:
    ct = encrypt_pin_block(key, iso9564_format0_clear_block(pin, pan))
    return PinBlock(ct, f"M00:KCV={key_check_value(key)}")


def test_pin_block_never_shows_itself():
    # GIVEN a PIN block for PIN 135790
    pb = _block("135790", "6222020000000000018")
    # WHEN it is printed, formatted or put in an exception
    texts = [repr(pb), str(pb), f"{pb}", f"{pb!r}", "%s" % pb, str(ValueError(pb)), repr([pb])]
    # THEN none shows the PIN or the ciphertext, and hex is only available explicitly
    for text in texts:
        assert "135790" not in text
        assert pb.ciphertext_hex() not in text
        assert pb.ciphertext_hex().lower() not in text
    assert repr(pb) == "PinBlock(<redacted>)"
    assert len(pb.ciphertext_hex()) == 16
    assert not hasattr(pb, "decrypt") and not hasattr(pb, "pin")


def test_pin_block_must_be_8_bytes():
    with pytest.raises(PinFormatError):
        PinBlock(b"\x00" * 7, "M00")


@pytest.fixture
def verifier():
    return ZoneKeyPinVerifier(ZONE_KEY, SECRET, scrypt_n=2 ** 10)


def test_verifier_accepts_the_right_pin_and_rejects_a_wrong_one(verifier):
    account = "6222020000000000018"
    # GIVEN a verification value made at account opening from PIN 246810
    stored = verifier.make_verification_value(account, _block("246810", account))
    # THEN it does not contain the PIN
    assert "246810" not in stored
    # WHEN the customer enters the right and then a wrong PIN
    # THEN only the right one verifies
    assert verifier.verify(account, _block("246810", account), stored) is True
    assert verifier.verify(account, _block("246811", account), stored) is False
    # and the same PIN on another account does not match this account's value
    other = "6222020000000000026"
    assert verifier.verify(other, _block("246810", other), stored) is False


def test_same_pin_on_two_accounts_gives_different_values(verifier):
    a, b = "6222020000000000018", "6222020000000000026"
    assert verifier.make_verification_value(a, _block("111111", a)) != \
        verifier.make_verification_value(b, _block("111111", b))


def test_block_under_another_key_is_a_fault_not_a_wrong_pin(verifier):
    account = "6222020000000000018"
    stored = verifier.make_verification_value(account, _block("246810", account))
    other_key = bytes.fromhex("1111111111111111" "2222222222222222")
    with pytest.raises(PinKeyMismatch):
        verifier.verify(account, _block("246810", account, other_key), stored)


def test_garbage_stored_value_verifies_false(verifier):
    account = "6222020000000000018"
    assert verifier.verify(account, _block("246810", account), "not-a-value") is False
    assert "secret" not in repr(verifier)


def test_three_consecutive_wrong_pins_lock_and_stay_locked(verifier):
    account = "6222020000000000018"
    stored = verifier.make_verification_value(account, _block("246810", account))
    policy, state = PinAttemptPolicy(), PinAttemptState()
    wrong, right = _block("000000", account), _block("246810", account)
    # GIVEN two wrong entries
    d1 = check_pin(verifier, policy, state, account, wrong, stored)
    d2 = check_pin(verifier, policy, d1.state, account, wrong, stored)
    assert (d1.result, d1.remaining, d2.result, d2.remaining) == (PinCheck.WRONG, 2, PinCheck.WRONG, 1)
    # WHEN the third is wrong too THEN the PIN locks
    d3 = check_pin(verifier, policy, d2.state, account, wrong, stored)
    assert d3.result is PinCheck.LOCKED_NOW and d3.state.locked
    # AND even the right PIN is refused afterwards: it does not unlock by itself
    d4 = check_pin(verifier, policy, d3.state, account, right, stored)
    assert d4.result is PinCheck.ALREADY_LOCKED and not d4.accepted and d4.state.locked
    assert "锁定" in d4.message
    # until an explicit unlock
    d5 = check_pin(verifier, policy, policy.unlock(d4.state), account, right, stored)
    assert d5.accepted


def test_a_right_pin_resets_the_consecutive_count():
    policy = PinAttemptPolicy()
    s = policy.decide(PinAttemptState(), False).state
    s = policy.decide(s, False).state
    s = policy.decide(s, True).state
    d = policy.decide(s, False)
    assert d.result is PinCheck.WRONG and d.remaining == 2
