"""Device panel, emulator control window and demo-mode wiring against the shipped emulators."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from teller.devices.emulators.all import start_all, vpcd_reader_visible
from teller.devices.errors import DeviceStatus
from teller.devices.hooks import DeviceHookBridge
from teller.devices.manager import DeviceManager
from teller.devices.worker import DeviceWorker
from teller.domain.pin import PinBlock
from teller.forms.device_panel import DevicePanel, QtDispatcher
from teller.forms.emulator_control import EmulatorControl

PAN = "6228480012345678901"


@pytest.fixture
def rig(qtbot):
    emus = start_all(receipt_port=0, pcscd=False)
    dispatch = QtDispatcher()
    worker = DeviceWorker(dispatch=dispatch)
    worker.start()
    manager = DeviceManager(emus.device_config, worker)
    bridge = DeviceHookBridge(manager, pin_timeout=10)
    yield emus, manager, bridge
    manager.close_all()
    worker.stop()
    emus.stop()


def test_panel_shows_device_states_and_test_print_lands_in_the_printer(qtbot, rig):
    emus, manager, bridge = rig
    # GIVEN the device panel over the emulators
    panel = DevicePanel(manager, bridge, refresh_ms=0)
    qtbot.addWidget(panel)
    states = []
    panel.states_changed.connect(states.append)
    # WHEN it opens the devices
    panel.open_all()
    qtbot.waitUntil(lambda: len(panel.reports) == 4, timeout=15000)
    # THEN the PIN pad and receipt printer are ready, the passbook printer waits for a book
    assert panel.state_of("pinpad") == DeviceStatus.READY
    assert panel.state_of("receipt") == DeviceStatus.READY
    assert panel.state_of("passbook") == DeviceStatus.NO_MEDIA
    # the card reader: READY when a pcscd with vpcd runs (e.g. left by the PC/SC tests)
    assert panel.state_of("card_reader") == (DeviceStatus.READY if vpcd_reader_visible()
                                             else DeviceStatus.DISCONNECTED)
    assert panel.state_labels["pinpad"].text() == panel.status_text(DeviceStatus.READY)
    assert states and len(states[-1]) == 4
    # WHEN the teller clicks 测试打印
    qtbot.mouseClick(panel.test_print_button, Qt.LeftButton)
    # THEN a test page is printed on the ESC/POS emulator and the panel says so
    assert emus.receipt.wait_for_receipts(1)
    assert "TEST PRINT" in emus.receipt.receipts[-1].text
    qtbot.waitUntil(lambda: panel.message.text() == panel.tr("测试打印完成"), timeout=5000)
    # WHEN the passbook printer is stopped and reconnected after a restart
    emus.passbook.insert_book(f"{PAN}=0001")
    qtbot.mouseClick(panel.reconnect_buttons["passbook"], Qt.LeftButton)
    # THEN the panel shows the book
    qtbot.waitUntil(lambda: panel.state_of("passbook") == DeviceStatus.MEDIA_PRESENT,
                    timeout=5000)


def test_emulator_window_types_the_pin_the_terminal_reads(qtbot, rig):
    emus, manager, bridge = rig
    manager.open_all().wait(15)
    window = EmulatorControl(emus)
    qtbot.addWidget(window)
    window.show()
    # GIVEN the terminal asking the PIN pad for the customer's PIN (the wizard's F4 hook)
    got = {}
    reader = threading.Thread(target=lambda: got.setdefault("block", bridge.read_pin(PAN)))
    reader.start()
    qtbot.waitUntil(lambda: emus.pinpad.entering, timeout=5000)
    # WHEN the "customer" types it in the emulator window
    qtbot.keyClicks(window.pin, "123456")
    qtbot.mouseClick(window.type_pin_button, Qt.LeftButton)
    reader.join(10)
    # THEN the terminal received an encrypted PIN block, and the window forgot the digits
    assert isinstance(got.get("block"), PinBlock)
    assert window.pin.text() == ""
    # WHEN a passbook is inserted and a jam set from the window
    window.stripe.setText(f"{PAN}=0002")
    qtbot.mouseClick(window.findChild(type(window.type_pin_button), "insert_book"),
                     Qt.LeftButton)
    # THEN the passbook hook reads the stripe the window put in
    assert bridge.read_passbook() == PAN
    # AND a printed receipt shows up in the window
    bridge.test_print()
    qtbot.waitUntil(lambda: "TEST PRINT" in window.receipts.toPlainText(), timeout=5000)


def test_demo_mode_gives_the_wizard_real_hooks(qtbot, tmp_path, monkeypatch):
    from teller.app import DemoDevices, TellerApp
    from teller.forms.settings_store import Settings
    monkeypatch.setenv("TELLER_DATA_DIR", str(tmp_path / "data"))
    devices = DemoDevices(pcscd=False)
    app = TellerApp(QApplication.instance(), Settings(), settings_path=tmp_path / "s.json",
                    demo_devices=devices)
    try:
        # WHEN demo mode starts its devices
        app.start_devices()
        # THEN the wizard's passbook and PIN hooks are the real bridge, receipts go to it,
        assert app.hooks.read_passbook is not None and app.hooks.read_pin is not None
        assert app.terminal_kwargs["printer"] == devices.bridge.print_voucher
        # and the emulator control window is open
        assert devices.control is not None and devices.control.isVisible()
        devices.emus.passbook.insert_book(f"{PAN}=0001")
        assert app.hooks.read_passbook() == PAN
    finally:
        app.shutdown()
