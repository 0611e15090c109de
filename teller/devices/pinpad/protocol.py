"""TPP, the PIN pad frame protocol (pure: bytes in, bytes out, no I/O).

A documented subset in the style of the common Chinese serial PIN pads (STX, length,
command, data, ETX, LRC). Every byte is described in ``docs/devices-pinpad.md``;
this module is the single place both the driver and the emulator take it from.

Frame::

    STX(02) LEN_H LEN_L BODY... ETX(03) LRC
    LEN  = len(BODY), big-endian, 1..MAX_BODY
    LRC  = XOR of LEN_H, LEN_L, every BODY byte and ETX
    BODY = CMD DATA...            host -> pad (request)
    BODY = CMD STATUS DATA...     pad -> host (response, CMD echoes the request)

The length field makes escaping unnecessary: STX/ETX may appear inside BODY.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

STX = 0x02
ETX = 0x03
MAX_BODY = 512


class Cmd(enum.IntEnum):
    STATUS = 0x41       # 'A'
    BEEP = 0x42         # 'B'
    CANCEL = 0x43       # 'C'
    LOAD_WORKING_KEY = 0x4B  # 'K'
    READ_PIN = 0x50     # 'P'
    KEY_EVENT = 0x70    # 'p', pad -> host only, unsolicited during PIN entry
    BAD_FRAME = 0x00    # pad -> host only, answer to a frame it could not parse


class Status(enum.IntEnum):
    OK = 0x00
    NO_MASTER_KEY = 0xB1
    KCV_MISMATCH = 0xB2
    BAD_LENGTH = 0xB3
    NO_WORKING_KEY = 0xB4
    BAD_PARAMETER = 0xB5
    BUSY = 0xBB
    CUSTOMER_CANCEL = 0xE1
    ENTRY_TIMEOUT = 0xE2
    HOST_CANCEL = 0xE3
    UNKNOWN_COMMAND = 0xFE
    BAD_FRAME = 0xFF


class FrameError(ValueError):
    """A frame whose ETX or LRC is wrong. The decoder has already skipped it."""


def lrc(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def encode(body: bytes) -> bytes:
    if not 1 <= len(body) <= MAX_BODY:
        raise ValueError(f"body length {len(body)} out of range")
    head = len(body).to_bytes(2, "big") + body + bytes([ETX])
    return bytes([STX]) + head + bytes([lrc(head)])


def encode_request(cmd: Cmd | int, data: bytes = b"") -> bytes:
    return encode(bytes([int(cmd)]) + bytes(data))


def encode_response(cmd: Cmd | int, status: Status | int, data: bytes = b"") -> bytes:
    return encode(bytes([int(cmd), int(status)]) + bytes(data))


@dataclass(frozen=True)
class Response:
    cmd: int
    status: int
    data: bytes

    @classmethod
    def parse(cls, body: bytes) -> "Response":
        if len(body) < 2:
            raise FrameError("response body shorter than CMD STATUS")
        return cls(body[0], body[1], bytes(body[2:]))


class FrameDecoder:
    """Incremental decoder: feed it bytes as they arrive, get whole bodies out.

    Garbage before STX is dropped (line noise, a half frame from before a
    reconnect). An impossible length drops that STX and resyncs on the next one.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def __len__(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_body(self) -> bytes | None:
        """The next complete body, None if more bytes are needed; FrameError for a
        corrupt frame (already consumed, so calling again continues)."""
        buf = self._buf
        while True:
            start = buf.find(STX)
            if start < 0:
                buf.clear()
                return None
            del buf[:start]
            if len(buf) < 3:
                return None
            length = int.from_bytes(buf[1:3], "big")
            if not 1 <= length <= MAX_BODY:
                del buf[:1]
                continue
            total = 1 + 2 + length + 2
            if len(buf) < total:
                return None
            frame = bytes(buf[:total])
            del buf[:total]
            if frame[-2] != ETX or lrc(frame[1:-1]) != frame[-1]:
                raise FrameError("bad ETX or LRC")
            return frame[3:3 + length]


# --- request payloads -----------------------------------------------------------

def load_key_request(master_index: int, encrypted_key: bytes, kcv: bytes) -> bytes:
    """K: INDEX(1) KEYLEN(1) KEY(KEYLEN) KCV(3)."""
    if not 0 <= master_index <= 15:
        raise ValueError("master key index must be 0..15")
    if len(encrypted_key) not in (8, 16, 24) or len(kcv) != 3:
        raise ValueError("key must be 8/16/24 bytes and KCV 3 bytes")
    return encode_request(Cmd.LOAD_WORKING_KEY,
                          bytes([master_index, len(encrypted_key)]) + encrypted_key + kcv)


@dataclass(frozen=True)
class ReadPinParams:
    master_index: int
    min_len: int
    max_len: int
    timeout_s: int
    pan: str

    def __post_init__(self) -> None:
        if not 0 <= self.master_index <= 15:
            raise ValueError("master key index must be 0..15")
        if not 4 <= self.min_len <= self.max_len <= 12:
            raise ValueError("PIN length limits must satisfy 4 <= min <= max <= 12")
        if not 1 <= self.timeout_s <= 255:
            raise ValueError("PIN entry timeout must be 1..255 seconds")
        if not (self.pan.isascii() and self.pan.isdigit() and 2 <= len(self.pan) <= 32):
            raise ValueError("PAN must be 2..32 ASCII digits")

    def encode(self) -> bytes:
        """P: INDEX(1) MIN(1) MAX(1) TIMEOUT_S(1) PANLEN(1) PAN(ASCII digits)."""
        return encode_request(Cmd.READ_PIN, bytes(
            [self.master_index, self.min_len, self.max_len, self.timeout_s, len(self.pan)])
            + self.pan.encode("ascii"))

    @classmethod
    def decode(cls, data: bytes) -> "ReadPinParams":
        if len(data) < 5 or len(data) != 5 + data[4]:
            raise ValueError("bad READ_PIN data length")
        return cls(data[0], data[1], data[2], data[3], data[5:].decode("ascii", "replace"))


@dataclass(frozen=True)
class PinResult:
    """READ_PIN OK data: FORMAT(1) INDEX(1) KCV(3) BLOCK(8)."""

    format: int
    master_index: int
    kcv: bytes
    block: bytes

    SIZE = 13

    def encode(self) -> bytes:
        return bytes([self.format, self.master_index]) + self.kcv + self.block

    @classmethod
    def decode(cls, data: bytes) -> "PinResult":
        if len(data) != cls.SIZE:
            raise FrameError(f"READ_PIN result must be {cls.SIZE} bytes, got {len(data)}")
        return cls(data[0], data[1], bytes(data[2:5]), bytes(data[5:13]))

    def key_id(self) -> str:
        return f"M{self.master_index:02d}:KCV={self.kcv.hex().upper()}"
