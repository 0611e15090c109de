"""PR2-subset command bytes and reply framing, shared by the driver and the emulator.

Every byte is documented in docs/devices.md, "Passbook printer (PR2 subset)".
Builders return ``bytes``; :func:`read_reply` reads one reply frame from a
transport and returns a :class:`Reply`.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from teller.devices.errors import MalformedData, Timeout

ESC = b"\x1b"
ACK = b"\x06"
NAK = b"\x15"
FS = b"\x1c"   # ends stripe data read back
GS = b"\x1d"   # ends stripe data to write
CRLF = b"\r\n"
UNREADABLE = 0x7F  # the printer's marker for a stripe character it could not decode

RESET = ESC + b"0"
STATUS = ESC + b"j"
EJECT = ESC + b"O"
READ_STRIPE = ESC + b"]"
WRITE_STRIPE_END = ESC + b"\\"
PAGE_QUERY = ESC + b"P"


def position_line(absolute: int) -> bytes:
    if not 1 <= absolute <= 999:
        raise ValueError(f"line {absolute} does not fit ESC L nnn")
    return ESC + b"L" + b"%03d" % absolute


def position_column(column: int) -> bytes:
    if not 1 <= column <= 999:
        raise ValueError(f"column {column} does not fit ESC C nnn")
    return ESC + b"C" + b"%03d" % column


def write_stripe(data: str) -> bytes:
    raw = data.encode("ascii")
    if any(b < 0x20 or b >= 0x7F for b in raw):
        raise ValueError("stripe data must be printable ASCII")
    return ESC + b"t" + raw + GS


def cell_width(text: str) -> int:
    """Half-width cells the printer uses for ``text`` (Chinese takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells without splitting a wide character."""
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


@dataclass(frozen=True)
class Reply:
    kind: str          # "ack" | "nak" | "status" | "stripe" | "page"
    value: str = ""    # status letter, stripe data (0x7F kept as \x7f), page digits
    raw: bytes = b""


def read_reply(transport, timeout: float) -> Reply:
    """Read exactly one reply frame; ``Timeout`` if none, ``MalformedData`` if garbled."""
    head = transport.read(1, timeout)
    if not head:
        raise Timeout(detail="passbook printer did not answer")
    if head == ACK:
        return Reply("ack", raw=head)
    if head == NAK:
        return Reply("nak", raw=head)
    if head != ESC:
        raise MalformedData(detail=f"unexpected reply byte {head!r}")
    kind = transport.read(1, timeout)
    if kind == b"r":
        letter = transport.read(1, timeout)
        if not letter:
            raise MalformedData(detail="status reply cut short")
        return Reply("status", letter.decode("latin-1"), head + kind + letter)
    if kind == b"s":
        body = transport.read_until(FS, timeout, 256)
        return Reply("stripe", body[:-1].decode("latin-1"), head + kind + body)
    if kind == b"P":
        digits = transport.read(1, timeout)
        digits += transport.read(1, timeout) if len(digits) == 1 else b""
        if len(digits) != 2 or not digits.isdigit():
            raise MalformedData(detail=f"bad page reply {digits!r}")
        return Reply("page", digits.decode("ascii"), head + kind + digits)
    raise MalformedData(detail=f"unexpected reply ESC {kind!r}")
