"""PC/SC transport over pyscard's thin ``smartcard.scard`` layer.

The raw SCard* calls are used rather than pyscard's object layer because they
return result codes we can map one-to-one onto typed device errors, they take
explicit timeouts, and each context is independent: a transmit stuck on a mute
card blocks only its own context, never the monitor's or the next read's.
Every pyscard import in the product lives here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from teller.devices.errors import (Cancelled, CardMute, CardRemoved, DeviceError, NoDevice, NoMedia,
                                   Timeout, UnsupportedCard)

try:
    from smartcard import scard
except ImportError:  # pragma: no cover - pyscard is a declared dependency
    scard = None

STATE_PRESENT = 0x20   # SCARD_STATE_PRESENT
STATE_EMPTY = 0x10
STATE_MUTE = 0x200
STATE_CHANGED = 0x02
# SCardStatus card states (pcsclite.h); pyscard does not export these.
_CARD_ABSENT, _CARD_PRESENT = 0x02, 0x04
_REMOVAL_SETTLE_S = 1.0
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"


def _code(name: str, default: int) -> int:
    return getattr(scard, name, default) if scard is not None else default


E_NO_SERVICE = _code("SCARD_E_NO_SERVICE", 0x8010001D)
E_SERVICE_STOPPED = _code("SCARD_E_SERVICE_STOPPED", 0x8010001E)
E_NO_READERS = _code("SCARD_E_NO_READERS_AVAILABLE", 0x8010002E)
E_UNKNOWN_READER = _code("SCARD_E_UNKNOWN_READER", 0x80100009)
E_READER_UNAVAILABLE = _code("SCARD_E_READER_UNAVAILABLE", 0x80100017)
E_TIMEOUT = _code("SCARD_E_TIMEOUT", 0x8010000A)
E_CANCELLED = _code("SCARD_E_CANCELLED", 0x80100002)
E_NO_SMARTCARD = _code("SCARD_E_NO_SMARTCARD", 0x8010000C)
W_REMOVED = _code("SCARD_W_REMOVED_CARD", 0x80100069)
W_RESET = _code("SCARD_W_RESET_CARD", 0x80100068)
W_UNRESPONSIVE = _code("SCARD_W_UNRESPONSIVE_CARD", 0x80100066)
W_UNPOWERED = _code("SCARD_W_UNPOWERED_CARD", 0x80100067)
W_UNSUPPORTED = _code("SCARD_W_UNSUPPORTED_CARD", 0x80100065)
E_PROTO_MISMATCH = _code("SCARD_E_PROTO_MISMATCH", 0x8010000F)
E_NOT_TRANSACTED = _code("SCARD_E_NOT_TRANSACTED", 0x80100016)
E_INVALID_HANDLE = _code("SCARD_E_INVALID_HANDLE", 0x80100003)


def _describe(hr: int) -> str:
    try:
        text = scard.SCardGetErrorMessage(hr) if scard is not None else ""
    except Exception:  # noqa: BLE001 - the message is only for the log
        text = ""
    return f"0x{hr & 0xFFFFFFFF:08X} {text}".strip()


def error_for(hr: int, doing: str) -> DeviceError:
    """The typed error for a PC/SC result code; ``doing`` goes to the log detail."""
    detail = f"{doing}: {_describe(hr)}"
    if hr in (E_NO_SERVICE, E_SERVICE_STOPPED):
        return NoDevice("读卡器服务未启动（pcscd），请联系技术支持",
                        message_en="The smart-card service (pcscd) is not running", detail=detail)
    if hr in (E_NO_READERS, E_UNKNOWN_READER, E_READER_UNAVAILABLE):
        return NoDevice("未找到读卡器，请检查读卡器连接",
                        message_en="No card reader found; check the reader cable", detail=detail)
    if hr == E_NO_SMARTCARD:
        return NoMedia("读卡器中没有卡片，请插卡", message_en="No card in the reader; insert the card", detail=detail)
    if hr in (W_REMOVED, E_INVALID_HANDLE):
        return CardRemoved(detail=detail)
    if hr in (W_UNRESPONSIVE, W_UNPOWERED):
        return CardMute(detail=detail)
    if hr in (W_UNSUPPORTED, E_PROTO_MISMATCH):
        return UnsupportedCard("无法识别的卡片（通讯协议不支持）",
                               message_en="Unrecognised card (protocol not supported)", detail=detail)
    if hr == E_TIMEOUT:
        return Timeout(detail=detail)
    if hr == E_CANCELLED:
        return Cancelled(detail=detail)
    if hr == W_RESET:
        return DeviceError("卡片被其他程序复位，请重新读卡",
                           message_en="The card was reset by another program; read it again", detail=detail)
    return DeviceError("读卡器通讯错误，请重新插卡", message_en="Card reader communication error; insert the card again",
                       detail=detail)


@dataclass(frozen=True)
class ReaderState:
    reader: str
    event_state: int
    atr: bytes

    @property
    def present(self) -> bool:
        return bool(self.event_state & STATE_PRESENT) and not self.event_state & STATE_MUTE


class PcscContext:
    """One SCard context. ``open()`` talks to pcscd; nothing happens before it."""

    def __init__(self) -> None:
        self._handle: int | None = None

    @property
    def is_open(self) -> bool:
        return self._handle is not None

    def open(self) -> None:
        if self._handle is not None:
            return
        if scard is None:
            raise NoDevice("未安装读卡器支持组件（pyscard）", message_en="pyscard is not installed")
        try:
            hr, handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        except Exception as exc:  # noqa: BLE001 - pyscard raises for a missing libpcsclite
            raise NoDevice("读卡器服务不可用", message_en="Smart-card service unavailable", detail=repr(exc)) from None
        if hr != 0:
            raise error_for(hr, "SCardEstablishContext")
        self._handle = handle

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                scard.SCardReleaseContext(handle)
            except Exception:  # noqa: BLE001 - releasing must never raise on the way out
                pass

    def _h(self) -> int:
        if self._handle is None:
            raise NoDevice(detail="PC/SC context not open")
        return self._handle

    def list_readers(self) -> list[str]:
        hr, readers = scard.SCardListReaders(self._h(), [])
        if hr == E_NO_READERS:
            return []
        if hr != 0:
            raise error_for(hr, "SCardListReaders")
        return list(readers)

    def get_status_change(self, known: dict[str, int], timeout_ms: int) -> list[ReaderState] | None:
        """Block until a reader's state differs from ``known`` (reader → state); None on timeout."""
        states = [(name, state) for name, state in known.items()]
        hr, result = scard.SCardGetStatusChange(self._h(), timeout_ms, states)
        if hr == E_TIMEOUT:
            return None
        if hr != 0:
            raise error_for(hr, "SCardGetStatusChange")
        return [ReaderState(name, state, bytes(atr)) for name, state, atr in result]

    def states(self, readers: list[str]) -> list[ReaderState]:
        """Current state of ``readers`` without waiting."""
        if not readers:
            return []
        result = self.get_status_change({r: scard.SCARD_STATE_UNAWARE for r in readers}, 0)
        return result or []

    def cancel(self) -> None:
        """Wake a blocked :meth:`get_status_change` from another thread."""
        if self._handle is not None:
            scard.SCardCancel(self._handle)

    def connect(self, reader: str) -> PcscChannel:
        hr, card, protocol = scard.SCardConnect(self._h(), reader, scard.SCARD_SHARE_SHARED,
                                                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hr != 0:
            raise error_for(hr, f"SCardConnect {reader}")
        return PcscChannel(reader, card, protocol)


class PcscChannel:
    """A connected card: the ``ApduChannel`` the PBOC protocol talks through."""

    def __init__(self, reader: str, card: int, protocol: int) -> None:
        self.reader = reader
        self._card: int | None = card
        self.protocol_name = "T=0" if protocol == scard.SCARD_PROTOCOL_T0 else "T=1"
        self._protocol = protocol

    def transmit(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise CardRemoved(detail="channel closed")
        hr, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if hr != 0:
            raise error_for(hr, f"SCardTransmit {bytes(apdu[:4]).hex()}")
        data = bytes(response)
        if len(data) < 2:
            # vpcd and some USB readers report a pulled card as an empty reply,
            # and pcscd notices the removal only at its next poll (~0.4 s).
            self.wait_gone(_REMOVAL_SETTLE_S)
            raise CardMute(detail=f"empty response to {bytes(apdu[:4]).hex()}")
        return data

    def wait_gone(self, seconds: float) -> None:
        """Raise :class:`CardRemoved` if the card turns out to be gone within ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            self.check_present()
            if time.monotonic() >= deadline:
                return
            time.sleep(0.1)

    def check_present(self) -> None:
        """Raise :class:`CardRemoved` if the card is no longer in the reader."""
        if self._card is None:
            raise CardRemoved(detail="channel closed")
        result = scard.SCardStatus(self._card)
        hr, state = result[0], result[2]
        if hr != 0:
            raise error_for(hr, "SCardStatus")
        if state & _CARD_ABSENT or not state & _CARD_PRESENT:
            raise CardRemoved(detail=f"SCardStatus state 0x{state:X}")

    def close(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            try:
                # Leave rather than reset/unpower: every read starts with SELECT,
                # which discards application state anyway, and vpcd (like some
                # readers) fails the reset/power-down, after which pcscd reports
                # an empty slot until the card is re-seated.
                scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            except Exception:  # noqa: BLE001 - disconnecting a vanished card is not an error
                pass
