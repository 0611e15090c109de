"""Customer PIN verification: the HSM seam, and the 3-strikes lock rule.

The terminal hands the core an encrypted :class:`~teller.domain.pin.PinBlock`; only a
:class:`PinVerifier` looks inside it. :class:`ZoneKeyPinVerifier` is the software
stand-in for an HSM: it holds the zone working key the PIN pads encrypt under and a
bank secret, and compares a keyed, salted scrypt of (account, PIN) with the stored
verification value. It never stores, logs or returns a PIN; a bank with a real HSM
swaps in another implementation of the same protocol.

No SQL here: the caller loads and stores the verification value and the attempt
state (DOMAIN.md §1: 3 wrong entries lock the password, which does not unlock by
itself — CBUS §4.3.3).
"""
from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from teller.domain.pin import (
    PinBlock,
    PinFormatError,
    decrypt_pin_block,
    iso9564_format0_extract_pin,
    key_check_value,
)

_VV_SCHEME = "scrypt1"


class PinKeyMismatch(Exception):
    """The block was made under a key this verifier does not hold (a set-up fault,
    not a wrong PIN: it must not count towards the lock)."""

    message = "密码键盘密钥与主机不一致，请联系管理员"
    message_en = "PIN pad key does not match the host key; call the administrator"


class PinVerifier(Protocol):
    def verify(self, pan_or_account: str, pin_block: PinBlock,
               stored_verification_value: str) -> bool: ...

    def make_verification_value(self, account: str, pin_block: PinBlock) -> str: ...


class ZoneKeyPinVerifier:
    """Software HSM: decrypt under the zone key, compare a keyed scrypt of the PIN.

    ``scrypt_n`` is the scrypt cost; the default suits a counter (≈50 ms); tests may
    lower it. The value format is ``scrypt1$n$r$p$hex`` so the cost can be raised
    later without invalidating stored values.
    """

    def __init__(self, zone_working_key: bytes, secret: bytes, *,
                 scrypt_n: int = 2 ** 14, scrypt_r: int = 8, scrypt_p: int = 1) -> None:
        if len(secret) < 16:
            raise ValueError("bank PIN secret must be at least 16 bytes")
        self._zone_key = bytes(zone_working_key)
        self._secret = bytes(secret)
        self._kcv = key_check_value(self._zone_key)
        self._cost = (scrypt_n, scrypt_r, scrypt_p)

    def __repr__(self) -> str:
        return f"ZoneKeyPinVerifier(kcv={self._kcv})"

    @property
    def key_check_value(self) -> str:
        return self._kcv

    def _check_key(self, pin_block: PinBlock) -> None:
        # key_id is "M<index>:KCV=<hex>" from the pad; a block without one is trusted
        # to be under the zone key (e.g. made by another HSM-side component).
        if "KCV=" in pin_block.key_id and not pin_block.key_id.endswith("KCV=" + self._kcv):
            raise PinKeyMismatch()

    def _digest(self, account: str, pin: str, n: int, r: int, p: int) -> bytes:
        # Salt is an HMAC of the account under the bank secret, so equal PINs on
        # different accounts differ and a stolen table cannot be brute-forced
        # without the secret.
        salt = hmac.new(self._secret, b"pin-vv|" + account.encode(), hashlib.sha256).digest()
        return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                              maxmem=256 * 1024 * 1024)

    def _pin_of(self, pan: str, pin_block: PinBlock) -> str | None:
        self._check_key(pin_block)
        try:
            return iso9564_format0_extract_pin(decrypt_pin_block(self._zone_key, pin_block), pan)
        except PinFormatError:
            return None

    def make_verification_value(self, account: str, pin_block: PinBlock) -> str:
        pin = self._pin_of(account, pin_block)
        if pin is None:
            raise PinFormatError("PIN block does not decode under the zone key")
        n, r, p = self._cost
        return f"{_VV_SCHEME}${n}${r}${p}${self._digest(account, pin, n, r, p).hex()}"

    def verify(self, pan_or_account: str, pin_block: PinBlock,
               stored_verification_value: str) -> bool:
        try:
            scheme, n, r, p, expected = stored_verification_value.split("$")
            if scheme != _VV_SCHEME:
                return False
            cost = int(n), int(r), int(p)
            expected_bytes = bytes.fromhex(expected)
        except ValueError:
            return False
        pin = self._pin_of(pan_or_account, pin_block)
        if pin is None:
            return False
        return hmac.compare_digest(self._digest(pan_or_account, pin, *cost), expected_bytes)


class PinCheck(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED_NOW = "locked_now"          # this wrong entry was the last allowed one
    ALREADY_LOCKED = "already_locked"  # refused without looking at the PIN


@dataclass(frozen=True)
class PinAttemptState:
    """What the core stores per account medium; starts at zero failures."""

    consecutive_failures: int = 0
    locked: bool = False


@dataclass(frozen=True)
class PinAttemptDecision:
    result: PinCheck
    state: PinAttemptState
    remaining: int

    @property
    def accepted(self) -> bool:
        return self.result is PinCheck.OK

    @property
    def message(self) -> str:
        return {
            PinCheck.OK: "密码正确",
            PinCheck.WRONG: f"密码错误，还可输入{self.remaining}次",
            PinCheck.LOCKED_NOW: "密码错误次数超限，密码已锁定",
            PinCheck.ALREADY_LOCKED: "密码已锁定，请客户持有效证件办理密码解锁",
        }[self.result]

    @property
    def message_en(self) -> str:
        return {
            PinCheck.OK: "PIN correct",
            PinCheck.WRONG: f"Wrong PIN; {self.remaining} attempt(s) left",
            PinCheck.LOCKED_NOW: "Too many wrong PINs; the PIN is now locked",
            PinCheck.ALREADY_LOCKED: "The PIN is locked; the customer must have it unlocked at the counter",
        }[self.result]


@dataclass(frozen=True)
class PinAttemptPolicy:
    """3 consecutive wrong PINs lock; a right PIN resets the count; only
    :meth:`unlock` (an authorised 密码解锁/重置 transaction) clears a lock."""

    max_consecutive_failures: int = 3

    def decide(self, state: PinAttemptState, pin_correct: bool | None) -> PinAttemptDecision:
        """``pin_correct`` is None when the caller skipped verification because the
        state was locked; a locked state refuses whatever the answer."""
        if state.locked:
            return PinAttemptDecision(PinCheck.ALREADY_LOCKED, state, 0)
        if pin_correct:
            return PinAttemptDecision(PinCheck.OK, PinAttemptState(), self.max_consecutive_failures)
        failures = state.consecutive_failures + 1
        if failures >= self.max_consecutive_failures:
            return PinAttemptDecision(PinCheck.LOCKED_NOW, PinAttemptState(failures, True), 0)
        return PinAttemptDecision(PinCheck.WRONG, PinAttemptState(failures, False),
                                  self.max_consecutive_failures - failures)

    def unlock(self, state: PinAttemptState) -> PinAttemptState:
        return PinAttemptState()


def check_pin(verifier: PinVerifier, policy: PinAttemptPolicy, state: PinAttemptState,
              account: str, pin_block: PinBlock, stored_verification_value: str) -> PinAttemptDecision:
    """Verify under the policy: a locked PIN is refused without asking the verifier."""
    if state.locked:
        return policy.decide(state, None)
    return policy.decide(state, verifier.verify(account, pin_block, stored_verification_value))
