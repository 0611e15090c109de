"""Device factories for the passbook printer, PIN pad, receipt printer and IC card reader.

:data:`DEFAULT_FACTORIES` is what :mod:`teller.devices.manager` starts from.
Each factory returns a driver with the manager's contract — ``open()``, ``close()``,
``status() -> DeviceStatus`` — by a thin subclass of the real driver.

Configuration (one mapping per device)::

    {"kind": "passbook", "url": "socket://127.0.0.1:9101", "profile": "passbook_pr2"}
    {"kind": "pinpad", "url": "socket://127.0.0.1:4701", "baudrate": 9600,
     "master_index": 0, "working_key": "<hex, encrypted under the master key>", "kcv": "XXXXXX"}
    {"kind": "receipt", "url": "tcp://127.0.0.1:9100"}          # or "connection": "network"|
        "serial"|"usb" plus python-escpos arguments (host/port, devfile/baudrate, idVendor/…)
    {"kind": "card_reader", "reader": "Virtual PCD 00 00"}       # regex on the reader name
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from teller.devices.card_reader.reader import PcscCardReader
from teller.devices.errors import DeviceStatus
from teller.devices.passbook import PassbookPrinter, load_profile
from teller.devices.pinpad.driver import PinPad
from teller.devices.prompts import Prompts
from teller.devices.receipt.printer import ReceiptPrinter, make_escpos_printer
from teller.devices.transports.by_url import transport_for_url

# factory(name, configuration, prompts) -> a driver with open(), close(), status()
Factory = Callable[[str, Mapping[str, Any], "Prompts | None"], Any]


class ManagedPinPad(PinPad):
    """A PinPad that loads its working key on open and reports a DeviceStatus."""

    def __init__(self, transport, prompts: Prompts | None = None, *, master_index: int = 0,
                 working_key: bytes | None = None, kcv: str | None = None) -> None:
        super().__init__(transport, prompts)
        self.master_index = master_index
        self._working_key = working_key
        self._kcv = kcv
        self.firmware = ""

    def __repr__(self) -> str:  # never shows key material
        return f"ManagedPinPad({self._transport!r})"

    def open(self) -> None:
        super().open()
        self.firmware = super().status()
        if self._working_key is not None and self._kcv:
            self.load_working_key(self.master_index, self._working_key, self._kcv)

    def status(self) -> DeviceStatus:  # type: ignore[override]
        self.firmware = super().status()
        return DeviceStatus.READY


class ManagedReceiptPrinter(ReceiptPrinter):
    def status(self) -> DeviceStatus:
        return self.check_paper()


class ManagedCardReader(PcscCardReader):
    def open(self) -> None:
        self.readers()  # NoDevice when pcscd or the reader is missing


def _passbook_factory(name: str, cfg: Mapping[str, Any], prompts: Prompts | None):
    profile = load_profile(cfg.get("profile") or "passbook_pr2")
    transport = transport_for_url(cfg["url"], baudrate=int(cfg.get("baudrate",
                                                                   profile.baudrate)))
    return PassbookPrinter(transport, profile, prompts)


def _pinpad_factory(name: str, cfg: Mapping[str, Any], prompts: Prompts | None):
    key = cfg.get("working_key")
    return ManagedPinPad(transport_for_url(cfg["url"], baudrate=int(cfg.get("baudrate", 9600))),
                         prompts, master_index=int(cfg.get("master_index", 0)),
                         working_key=bytes.fromhex(key) if key else None, kcv=cfg.get("kcv"))


def _receipt_factory(name: str, cfg: Mapping[str, Any], prompts: Prompts | None):
    url = str(cfg.get("url", ""))
    if url.startswith("tcp://"):
        host, _, port = url[len("tcp://"):].rpartition(":")
        printer = make_escpos_printer("network", host=host, port=int(port))
    else:
        args = {k: v for k, v in cfg.items() if k not in ("kind", "connection", "url", "width")}
        printer = make_escpos_printer(str(cfg.get("connection", "network")), **args)
    kwargs = {"width": int(cfg["width"])} if "width" in cfg else {}
    return ManagedReceiptPrinter(printer, **kwargs)


def _card_reader_factory(name: str, cfg: Mapping[str, Any], prompts: Prompts | None):
    return ManagedCardReader(str(cfg.get("reader", "")),
                             apdu_timeout=float(cfg.get("apdu_timeout", 5.0)))


DEFAULT_FACTORIES: Mapping[str, Factory] = {
    "passbook": _passbook_factory,
    "pinpad": _pinpad_factory,
    "receipt": _receipt_factory,
    "card_reader": _card_reader_factory,
}
