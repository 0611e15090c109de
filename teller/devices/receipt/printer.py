"""Receipt printer driver: ESC/POS through a python-escpos printer object.

python-escpos supplies the connection (``Network`` on TCP 9100, ``Serial``, ``Usb``)
and its ``_raw``/``_read``; everything else we send as bytes we chose, because:

* its printer objects open themselves when ``.device`` is first touched; we open
  explicitly in :meth:`ReceiptPrinter.open` and refuse to write before that;
* its text path chooses bytes through a profile-dependent "magic" encoder (with
  some profiles it switches code pages with ``ESC t`` and substitutes what it cannot
  map) and never puts the printer in Chinese character mode, so a printer in its
  power-on single-byte mode prints the Chinese as code-page garbage. We switch the
  mode on with ``FS &`` (1C 26) after ``ESC @`` and send ``text.encode("gb18030")``
  ourselves — 4-byte sequences included, for characters outside GBK such as 𠮷.
  ``ESC @`` at the start of the next job resets the mode, so ``FS .`` (1C 2E) is
  not needed.

Status comes from real-time queries (``DLE EOT n``, answered even while the printer
is offline): n=1 printer (bit 3 offline), n=2 offline cause (bit 2 cover open,
bit 5 stopped for paper end), n=4 paper sensor (bits 2-3 near end, bits 5-6 paper
end). Every reply has bits 1 and 4 set and bits 0 and 7 clear.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable

from teller.devices.errors import CoverOpen, DeviceError, DeviceStatus, MalformedData, NoDevice, PaperOut
from teller.domain.receipt_layout import WIDTH_58MM, Receipt, ReceiptLine, receipt_lines

log = logging.getLogger(__name__)

ESC, GS, FS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"\n"
INIT = ESC + b"@"
KANJI_ON = FS + b"&"
KANJI_OFF = FS + b"."
CUT_FEED = GS + b"V" + bytes([66, 0])  # feed to the cutter and cut partially: the receipt hangs, not drops
_ALIGN = {"left": 0, "center": 1, "right": 2}


def _check_status_byte(b: int, what: str) -> int:
    if b & 0x93 != 0x12:
        raise MalformedData(detail=f"{what}: status byte 0x{b:02X} lacks the fixed bits")
    return b


def encode_lines(lines: Iterable[ReceiptLine]) -> bytes:
    """ESC/POS bytes for ``lines``, Chinese as GB18030 in Chinese character mode."""
    out = bytearray(INIT + KANJI_ON)
    for line in lines:
        out += ESC + b"a" + bytes([_ALIGN.get(line.align, 0)])
        out += ESC + b"E" + bytes([1 if line.bold else 0])
        # GS ! sets both the half-width and, in Chinese mode, the full-width size.
        out += GS + b"!" + bytes([0x11 if line.double else 0x00])
        out += line.text.encode("gb18030") + LF
    out += ESC + b"a\x00" + ESC + b"E\x00" + GS + b"!\x00"
    return bytes(out)


def make_escpos_printer(kind: str, **config: Any):
    """Construct (never open) a python-escpos printer from terminal config.

    ``kind``: ``network`` (host, port=9100, timeout=3), ``serial`` (devfile,
    baudrate=9600, timeout=1, ...), ``usb`` (idVendor, idProduct, ...).
    """
    from escpos import printer as escpos_printer

    if kind == "network":
        config.setdefault("port", 9100)
        config.setdefault("timeout", 3)
        return escpos_printer.Network(**config)
    if kind == "serial":
        config.setdefault("timeout", 1)
        return escpos_printer.Serial(**config)
    if kind == "usb":
        return escpos_printer.Usb(**config)
    raise ValueError(f"unknown receipt printer kind {kind!r}")


class ReceiptPrinter:
    """Driver for an ESC/POS receipt printer. Call it on the device thread."""

    def __init__(self, escpos_printer: Any, *, width: int = WIDTH_58MM) -> None:
        self._printer = escpos_printer
        self.width = width
        self._open = False

    def __repr__(self) -> str:
        return f"ReceiptPrinter({type(self._printer).__name__})"

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        if self._open:
            return
        try:
            self._printer.open()
        except Exception as e:  # escpos raises its own DeviceNotFoundError, OSError, USBError…
            raise NoDevice(detail=f"receipt printer: {type(e).__name__}: {e}") from e
        self._open = True

    def close(self) -> None:
        self._open = False
        try:
            self._printer.close()
        except Exception:  # closing a vanished printer may fail; it is gone either way
            pass

    def _raw(self, data: bytes) -> None:
        """The one write seam: every byte to the printer goes through here."""
        if not self._open:
            raise NoDevice(detail="receipt printer is not open")
        try:
            self._printer._raw(data)
        except Exception as e:
            self.close()
            raise NoDevice(detail=f"receipt printer write: {type(e).__name__}: {e}") from e

    def _query(self, n: int) -> int:
        self._raw(DLE + EOT + bytes([n]))
        try:
            reply = self._printer._read()
        except Exception as e:  # socket.timeout, SerialException, USBError…
            raise NoDevice(detail=f"receipt printer status {n}: {type(e).__name__}") from e
        if not reply:
            raise NoDevice(detail=f"receipt printer did not answer DLE EOT {n}")
        return _check_status_byte(reply[-1], f"DLE EOT {n}")

    def check_paper(self) -> DeviceStatus:
        """READY, or raise CoverOpen / PaperOut / NoDevice."""
        printer = self._query(1)
        if printer & 0x08:  # offline: ask why
            cause = self._query(2)
            if cause & 0x04:
                raise CoverOpen()
        paper = self._query(4)
        if paper & 0x60:
            raise PaperOut()
        if paper & 0x0C:
            log.warning("receipt printer: paper near end")
        if printer & 0x08:
            raise DeviceError("打印机脱机，请检查打印机", message_en="The printer is offline",
                              detail=f"DLE EOT 1 = 0x{printer:02X}")
        return DeviceStatus.READY

    def print_lines(self, lines: Iterable[ReceiptLine], *, cut: bool = True) -> None:
        self.check_paper()
        self._raw(encode_lines(lines))
        if cut:
            self.cut()

    def print_receipt(self, receipt: Receipt, *, cut: bool = True) -> None:
        """Check paper and cover first, so a receipt is never half-printed into a
        printer that has no paper; then print and cut."""
        self.print_lines(receipt_lines(receipt, self.width), cut=cut)

    def cut(self) -> None:
        self._raw(CUT_FEED)
