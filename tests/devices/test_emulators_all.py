"""All emulators at once: start_all() -> DeviceManager -> every real driver reports its state."""
from __future__ import annotations

import socket

from teller.devices.emulators.all import start_all, vpcd_reader_visible
from teller.devices.errors import DeviceStatus
from teller.devices.manager import DeviceManager
from teller.devices.worker import DeviceWorker


def _refused(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return True
    return False


def test_start_all_then_open_all_reports_every_device_and_stop_cleans_up():
    # GIVEN every emulator started (pcscd not started by us)
    emus = start_all(receipt_port=0, pcscd=False)
    worker = DeviceWorker()
    worker.start()
    manager = DeviceManager(emus.device_config, worker)
    try:
        # WHEN the manager opens the configured devices through the real drivers
        reports = {r.name: r for r in manager.open_all().wait(15)}
        # THEN the PIN pad (working key loaded) and receipt printer are READY,
        assert reports["pinpad"].status == DeviceStatus.READY, reports["pinpad"]
        assert emus.pinpad.working_key_kcv(0) == emus.device_config["pinpad"]["kcv"]
        assert reports["receipt"].status == DeviceStatus.READY, reports["receipt"]
        # the passbook printer is up with no book in it,
        assert reports["passbook"].status == DeviceStatus.NO_MEDIA, reports["passbook"]
        # and the card reader is READY with PC/SC, DISCONNECTED (with a message) without it
        if emus.card is not None or vpcd_reader_visible():
            assert reports["card_reader"].status == DeviceStatus.READY
        else:
            assert reports["card_reader"].status == DeviceStatus.DISCONNECTED
            assert reports["card_reader"].message
            assert any("card" in n for n in emus.notes)
        # WHEN a passbook is inserted in the emulator
        emus.passbook.insert_book("6228480012345678901=0001")
        # THEN the next refresh sees it
        assert {r.name: r for r in manager.reports()}["passbook"].status == \
            DeviceStatus.MEDIA_PRESENT
    finally:
        manager.close_all()
        worker.stop()
        emus.stop()
    # THEN nothing listens on the emulator ports any more
    for port in (emus.passbook_port, emus.pinpad_port, emus.pinpad_control_port,
                 emus.receipt_port):
        assert _refused(emus.host, port), port
