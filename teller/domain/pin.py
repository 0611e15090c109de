"""Customer PIN blocks (ISO 9564-1 format 0) and the 3DES key helpers around them.

The clear PIN never reaches the terminal (DESIGN.md, Devices): the PIN pad encrypts
the format-0 block under its working key and the terminal only carries the result,
wrapped in :class:`PinBlock`, to the core's verifier. ``PinBlock`` therefore has no
way to decrypt itself and prints as ``PinBlock(<redacted>)`` so that no log line,
traceback or ``repr`` in a debugger dump can leak even the ciphertext.

The pure functions below are used by the PIN pad emulator (which plays the
customer's side) and by the core verifier (the HSM seam); the terminal's driver
uses none of the clear-block functions.

>>> iso9564_format0_clear_block("1234", "43219876543210987").hex().upper()
'0412AC89ABCDEF67'
>>> key_check_value(bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"))
'08D7B4'
"""
from __future__ import annotations

from dataclasses import dataclass, field

# TripleDES moved to the "decrepit" namespace in cryptography 43; keep the old path
# for older wheels that some bank desktops are pinned to.
try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - depends on the installed cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK_SIZE = 8
FORMAT_ISO0 = 0
MIN_PIN_LEN = 4
MAX_PIN_LEN = 12


class PinFormatError(ValueError):
    """A PIN, PAN or clear block that cannot form or be a format-0 block.

    The message never contains the PIN digits or the clear block.
    """


@dataclass(frozen=True, repr=False)
class PinBlock:
    """An encrypted ISO 9564 PIN block as returned by the PIN pad.

    ``key_id`` names the key it is encrypted under (master index and the working
    key's check value, e.g. ``"M00:KCV=08D7B4"``) so the verifier can refuse a
    block made under a key it does not hold instead of counting a wrong PIN.
    """

    _ciphertext: bytes = field(compare=True)
    key_id: str = ""
    format: int = FORMAT_ISO0

    def __post_init__(self) -> None:
        if not isinstance(self._ciphertext, (bytes, bytearray)) or len(self._ciphertext) != BLOCK_SIZE:
            raise PinFormatError("PIN block must be 8 bytes")
        object.__setattr__(self, "_ciphertext", bytes(self._ciphertext))

    @classmethod
    def from_ciphertext(cls, ciphertext: bytes, key_id: str, format: int = FORMAT_ISO0) -> "PinBlock":
        return cls(bytes(ciphertext), key_id, format)

    def ciphertext(self) -> bytes:
        """The 8 encrypted bytes, for the verifier only."""
        return self._ciphertext

    def ciphertext_hex(self) -> str:
        """Upper-case hex of the encrypted block, for sending to the verifier."""
        return self._ciphertext.hex().upper()

    def __repr__(self) -> str:
        return "PinBlock(<redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


def _digits(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise PinFormatError(f"{what} must be ASCII digits")
    return value


def _pan_field(pan: str) -> bytes:
    # Rightmost 12 digits *excluding* the check digit; shorter account numbers are
    # zero-filled on the left (ISO 9564-1 §9.3.1.2).
    _digits(pan, "PAN")
    if len(pan) < 2:
        raise PinFormatError("PAN too short")
    body = pan[:-1][-12:].rjust(12, "0")
    return bytes.fromhex("0000" + body)


def iso9564_format0_clear_block(pin: str, pan: str) -> bytes:
    """Clear format-0 block: (0 || len || PIN || F…) XOR (0000 || 12 PAN digits)."""
    _digits(pin, "PIN")
    if not MIN_PIN_LEN <= len(pin) <= MAX_PIN_LEN:
        raise PinFormatError("PIN must be 4 to 12 digits")
    pin_field = bytes.fromhex(f"0{len(pin):X}{pin}".ljust(16, "F"))
    return bytes(a ^ b for a, b in zip(pin_field, _pan_field(pan)))


def iso9564_format0_extract_pin(clear_block: bytes, pan: str) -> str:
    """Recover the PIN from a clear format-0 block. Only the core verifier calls this."""
    if len(clear_block) != BLOCK_SIZE:
        raise PinFormatError("clear PIN block must be 8 bytes")
    nibbles = bytes(a ^ b for a, b in zip(clear_block, _pan_field(pan))).hex().upper()
    if nibbles[0] != "0":
        raise PinFormatError("not an ISO format-0 PIN block")
    length = int(nibbles[1], 16)
    if not MIN_PIN_LEN <= length <= MAX_PIN_LEN:
        raise PinFormatError("bad PIN length in block")
    pin, pad = nibbles[2:2 + length], nibbles[2 + length:]
    # A wrong key or wrong PAN almost always trips one of these checks, which the
    # verifier treats as "wrong PIN" without ever showing what it decoded.
    if not pin.isdigit() or pad != "F" * len(pad):
        raise PinFormatError("malformed format-0 PIN block")
    return pin


def _tdes_key(key: bytes) -> bytes:
    if len(key) == 16:
        # Double-length keys are K1 K2 K1; passing 24 bytes avoids the library's
        # deprecation path for 16-byte keys while computing the same cipher.
        return key + key[:8]
    if len(key) in (8, 24):
        return key if len(key) == 24 else key * 3
    raise PinFormatError("3DES key must be 8, 16 or 24 bytes")


def tdes_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK_SIZE:
        raise PinFormatError("3DES data must be a multiple of 8 bytes")
    enc = Cipher(TripleDES(_tdes_key(key)), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def tdes_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK_SIZE:
        raise PinFormatError("3DES data must be a multiple of 8 bytes")
    dec = Cipher(TripleDES(_tdes_key(key)), modes.ECB()).decryptor()
    return dec.update(data) + dec.finalize()


def key_check_value(key: bytes) -> str:
    """First 3 bytes of 3DES-ECB(key, 0000000000000000), upper-case hex."""
    return tdes_ecb_encrypt(key, bytes(BLOCK_SIZE))[:3].hex().upper()


def encrypt_working_key(master: bytes, working: bytes) -> bytes:
    """Working key (PIK) under the pad's master key, as it travels to the pad."""
    return tdes_ecb_encrypt(master, working)


def decrypt_working_key(master: bytes, encrypted: bytes) -> bytes:
    return tdes_ecb_decrypt(master, encrypted)


def encrypt_pin_block(working_key: bytes, clear_block: bytes) -> bytes:
    if len(clear_block) != BLOCK_SIZE:
        raise PinFormatError("clear PIN block must be 8 bytes")
    return tdes_ecb_encrypt(working_key, clear_block)


def decrypt_pin_block(working_key: bytes, pin_block: PinBlock) -> bytes:
    return tdes_ecb_decrypt(working_key, pin_block.ciphertext())
