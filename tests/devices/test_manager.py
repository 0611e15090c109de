"""Device manager: config -> drivers -> status, reconnect after unplugging."""
from __future__ import annotations

import pytest

from teller.devices.emulators.passbook_printer import PassbookPrinterEmulator
from teller.devices.errors import DeviceStatus
from teller.devices.manager import DeviceManager
from teller.devices.transports.by_url import transport_for_url
from teller.devices.transports.serial import SerialTransport
from teller.devices.transports.tcp import TcpTransport
from teller.devices.worker import DeviceWorker

from devsupport import free_port


@pytest.fixture
def worker():
    w = DeviceWorker()
    w.start()
    yield w
    w.stop()


def test_status_of_configured_devices_and_reconnect_after_unplug(worker):
    # GIVEN a passbook emulator on a fixed port, a stub "pinpad", and an unknown kind
    port = free_port()
    emu = PassbookPrinterEmulator(port=port)
    emu.start()
    emu.insert_book("6228480012345678901=0001")

    class StubPinpad:
        def __init__(self):
            self.opened = 0

        def open(self):
            self.opened += 1

        def close(self):
            pass

        def status(self):
            return DeviceStatus.READY

    pinpad = StubPinpad()
    from teller.devices.manager import FACTORIES
    factories = dict(FACTORIES, pinpad=lambda name, cfg, prompts: pinpad)
    m = DeviceManager({
        "passbook": {"kind": "passbook", "url": f"socket://127.0.0.1:{port}",
                     "profile": "passbook_pr2"},
        "pinpad": {"kind": "pinpad", "url": "loop://"},
        "scanner": {"kind": "scanner", "url": "loop://"},
    }, worker, factories=factories)
    try:
        # WHEN the devices are opened on the device thread
        reports = {r.name: r for r in m.open_all().wait(5)}
        # THEN each reports its own status
        assert reports["passbook"].status == DeviceStatus.MEDIA_PRESENT
        assert reports["pinpad"].status == DeviceStatus.READY and pinpad.opened == 1
        assert reports["scanner"].status == DeviceStatus.NOT_CONFIGURED
        # WHEN the printer is unplugged
        emu.stop()
        gone = {r.name: r for r in m.reports()}["passbook"]
        # THEN it reports DISCONNECTED with a teller message, and the others are unaffected
        assert gone.status == DeviceStatus.DISCONNECTED
        assert gone.message in ("未找到设备，请检查连接", "设备响应超时")
        # WHEN it is plugged back in and reconnected
        emu = PassbookPrinterEmulator(port=port)
        emu.start()
        back = m.reconnect("passbook").wait(5)
        # THEN it is back, with no book in this fresh printer
        assert back.status == DeviceStatus.NO_MEDIA
    finally:
        m.close_all()
        emu.stop()


def test_transport_for_url():
    assert isinstance(transport_for_url("tcp://10.0.0.5:9100"), TcpTransport)
    t = transport_for_url("socket://127.0.0.1:9101", baudrate=19200)
    assert isinstance(t, SerialTransport) and t.baudrate == 19200 and not t.is_open
    assert isinstance(transport_for_url("/dev/ttyS0"), SerialTransport)
