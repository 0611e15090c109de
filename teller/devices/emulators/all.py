"""Start every shipped emulator at once, for demo mode and ``teller emulate all``.

API::

    emus = start_all(host="127.0.0.1", receipt_port=None, pcscd="auto")
    emus.device_config      # {"passbook": {...}, "pinpad": {...}, "receipt": {...},
                            #  "card_reader": {...}} -> DeviceManager(config, worker)
    emus.passbook           # PassbookPrinterEmulator (TCP)
    emus.pinpad             # PinPadEmulator (TCP + control channel on emus.pinpad_control_port)
    emus.receipt            # EscPosPrinterEmulator (TCP 9100, or an ephemeral port when taken)
    emus.card               # VpcdCardClient (not inserted); None when PC/SC is unavailable
    emus.insert_card(pan, name="")  /  emus.remove_card()
    emus.notes              # human-readable status lines (ports, why the card is missing)
    emus.stop()

``pcscd``: "auto" starts ``pcscd --foreground`` when it is installed with the
vsmartcard vpcd driver and the vpcd reader is not visible yet; False never starts it.
Without PC/SC the card reader is still configured and reports DISCONNECTED.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teller.devices.emulators.escpos_printer import EscPosPrinterEmulator
from teller.devices.emulators.passbook_printer import PassbookPrinterEmulator
from teller.devices.emulators.pinpad import (DEMO_MASTER_KEY, DEMO_WORKING_KEY,
                                             PinPadEmulator)
from teller.devices.emulators.virtual_card import VPCD_PORT, VirtualPbocCard, VpcdCardClient
from teller.domain.pin import encrypt_working_key, key_check_value

VPCD_READER = "Virtual PCD 00 00"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
DEMO_PAN = "6217000000000000004"


def vpcd_reader_visible() -> bool:
    try:
        from teller.devices.transports.pcsc import PcscContext
    except ImportError:
        return False
    ctx = PcscContext()
    try:
        ctx.open()
        return any(VPCD_READER in r for r in ctx.list_readers())
    except Exception:
        return False
    finally:
        try:
            ctx.close()
        except Exception:
            pass


def _start_pcscd(notes: list[str]) -> subprocess.Popen | None:
    binary = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists()
                                       else None)
    if binary is None or not VPCD_DRIVER.exists():
        notes.append("card: pcscd or vsmartcard-vpcd not installed; card reader unavailable")
        return None
    proc = subprocess.Popen([binary, "--foreground"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not vpcd_reader_visible():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(timeout=5)
            notes.append("card: pcscd did not come up with the vpcd reader; card reader unavailable")
            return None
        time.sleep(0.2)
    notes.append(f"card: started pcscd (pid {proc.pid}) with reader '{VPCD_READER}'")
    return proc


@dataclass
class EmulatorSet:
    host: str
    passbook: PassbookPrinterEmulator
    pinpad: PinPadEmulator
    receipt: EscPosPrinterEmulator
    passbook_port: int
    pinpad_port: int
    pinpad_control_port: int
    receipt_port: int
    card: VpcdCardClient | None = None
    notes: list[str] = field(default_factory=list)
    _pcscd: subprocess.Popen | None = None

    @property
    def device_config(self) -> dict[str, dict[str, Any]]:
        return {
            "passbook": {"kind": "passbook", "profile": "passbook_pr2",
                         "url": f"socket://{self.host}:{self.passbook_port}"},
            "pinpad": {"kind": "pinpad", "url": f"socket://{self.host}:{self.pinpad_port}",
                       "master_index": 0,
                       "working_key": encrypt_working_key(DEMO_MASTER_KEY,
                                                          DEMO_WORKING_KEY).hex(),
                       "kcv": key_check_value(DEMO_WORKING_KEY)},
            "receipt": {"kind": "receipt", "url": f"tcp://{self.host}:{self.receipt_port}"},
            "card_reader": {"kind": "card_reader", "reader": VPCD_READER, "apdu_timeout": 2.0},
        }

    def insert_card(self, pan: str = DEMO_PAN, name: str = "", protocol: str = "T=1") -> None:
        """Insert a virtual card with ``pan``; ConnectionError without PC/SC."""
        if self.card is None:
            raise ConnectionError("PC/SC (pcscd + vpcd) is not available")
        self.card.replace_card(VirtualPbocCard(pan, name=name, protocol=protocol))
        self.card.insert()

    def remove_card(self) -> None:
        if self.card is not None:
            self.card.remove()

    def stop(self) -> None:
        if self.card is not None:
            self.card.close()
        self.passbook.stop()
        self.pinpad.close()
        self.receipt.close()
        if self._pcscd is not None:
            self._pcscd.terminate()
            try:
                self._pcscd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._pcscd.kill()
            self._pcscd = None


def start_all(host: str = "127.0.0.1", receipt_port: int | None = None,
              pcscd: str | bool = "auto", auto_pin: str | None = None) -> EmulatorSet:
    """Start the passbook, PIN pad and receipt emulators and prepare the virtual card.

    ``receipt_port=None`` tries 9100 and falls back to an ephemeral port.
    """
    notes: list[str] = []
    passbook = PassbookPrinterEmulator(host=host, port=0)
    passbook_port = passbook.start()
    pinpad = PinPadEmulator(auto_pin=auto_pin)
    pinpad_port = pinpad.serve_tcp(host, 0)
    control_port = pinpad.serve_control(host, 0)
    receipt = EscPosPrinterEmulator()
    if receipt_port is None:
        try:
            rport = receipt.serve_tcp(host, 9100)
        except OSError:
            rport = receipt.serve_tcp(host, 0)
    else:
        rport = receipt.serve_tcp(host, receipt_port)
    notes.append(f"passbook printer: socket://{host}:{passbook_port}")
    notes.append(f"PIN pad: socket://{host}:{pinpad_port} (control: {host}:{control_port})")
    notes.append(f"receipt printer: tcp://{host}:{rport}")
    proc = None
    card = None
    if vpcd_reader_visible():
        notes.append(f"card: using running pcscd, reader '{VPCD_READER}'")
        card = VpcdCardClient(VirtualPbocCard(DEMO_PAN), port=VPCD_PORT)
    elif pcscd == "auto":
        proc = _start_pcscd(notes)
        if proc is not None:
            card = VpcdCardClient(VirtualPbocCard(DEMO_PAN), port=VPCD_PORT)
    else:
        notes.append("card: PC/SC not available (pcscd not running with vpcd); "
                     "card reader reports DISCONNECTED")
    return EmulatorSet(host, passbook, pinpad, receipt, passbook_port, pinpad_port,
                       control_port, rport, card, notes, proc)
