"""Device hooks for the wizard and the transaction engine — blocking calls, no Qt.

Each call runs its driver work on the one device thread (``DeviceWorker``) and waits
for it, so it is meant for a background thread (the GUI's ``Background``)::

    bridge = DeviceHookBridge(manager)           # names: "card_reader", "passbook", ...
    bridge.read_card() -> str                    # PAN from the PBOC card (PcscCardReader)
    bridge.read_passbook() -> str                # account from the passbook stripe
    bridge.read_pin(pan) -> PinBlock             # encrypted format-0 block from the PIN pad
    bridge.print_receipt(receipt)                # teller.domain.receipt_layout.Receipt
    bridge.print_voucher(voucher)                # Terminal.open(printer=...) hook
    bridge.test_print()                          # a short test page on the receipt printer
    bridge.submit_test_print(on_done, on_error) -> Job   # the same, without waiting
    bridge.cancel()                              # cancels the device job in progress
    bridge.has("pinpad") -> bool                 # configured at this counter

Errors are the drivers' typed ``DeviceError`` (teller-facing ``message``).
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, Callable

from teller.devices.manager import DeviceManager
from teller.devices.worker import Job
from teller.domain.receipt_layout import ReceiptLine


class DeviceHookBridge:
    def __init__(self, manager: DeviceManager, *, card_reader: str = "card_reader",
                 passbook: str = "passbook", pinpad: str = "pinpad",
                 receipt: str = "receipt", card_timeout: float = 30.0,
                 pin_timeout: int = 60) -> None:
        self.manager = manager
        self.names = {"card_reader": card_reader, "passbook": passbook, "pinpad": pinpad,
                      "receipt": receipt}
        self.card_timeout = card_timeout
        self.pin_timeout = pin_timeout
        self._lock = threading.Lock()
        self._job: Job | None = None

    def has(self, role: str) -> bool:
        return self.names.get(role, "") in self.manager.config

    def _driver(self, role: str):
        return self.manager.driver(self.names[role])

    def _run(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None,
             **kwargs: Any) -> Any:
        job = self.manager.worker.submit(fn, *args, cancellable=True, **kwargs)
        with self._lock:
            self._job = job
        try:
            return job.wait(timeout)
        finally:
            with self._lock:
                if self._job is job:
                    self._job = None

    def cancel(self) -> None:
        with self._lock:
            job = self._job
        if job is not None:
            job.cancel()

    # --- hooks -------------------------------------------------------------------------

    def read_card(self) -> str:
        def work(cancel: threading.Event) -> str:
            return self._driver("card_reader").read_card(self.card_timeout, cancel=cancel).pan
        return self._run(work, timeout=self.card_timeout + 10)

    def read_passbook(self) -> str:
        def work(cancel: threading.Event) -> str:
            return self._driver("passbook").read_stripe(cancel=cancel).account
        return self._run(work)

    def read_pin(self, pan: str):
        def work(cancel: threading.Event):
            return self._driver("pinpad").read_pin(pan, timeout=self.pin_timeout, cancel=cancel)
        return self._run(work, timeout=self.pin_timeout + 15)

    def print_receipt(self, receipt: Any) -> None:
        def work(cancel: threading.Event) -> None:
            drv = self._driver("receipt")
            drv.open()  # idempotent; reopens after a vanished printer
            drv.print_receipt(receipt)
        self._run(work, timeout=30)

    def print_voucher(self, voucher: Any) -> None:
        self.print_receipt(voucher.receipt())

    def _test_print(self) -> None:
        drv = self._driver("receipt")
        drv.open()
        drv.print_lines([ReceiptLine("打印测试 TEST PRINT", align="center", bold=True),
                         ReceiptLine(datetime.now().strftime("%Y-%m-%d %H:%M:%S"))])

    def submit_test_print(self, on_done: Callable[[Any], None] | None = None,
                          on_error: Callable[[Any], None] | None = None) -> Job:
        """Non-blocking: queue a test page; callbacks go through the worker's dispatch."""
        return self.manager.worker.submit(self._test_print, on_done=on_done, on_error=on_error)

    def test_print(self) -> None:
        self.submit_test_print().wait(30)
