"""The wizard's device hooks through the real drivers and the shipped emulators."""
from __future__ import annotations

import threading

import pytest

from teller.devices.emulators.all import start_all
from teller.devices.hooks import DeviceHookBridge
from teller.devices.manager import DeviceManager
from teller.devices.worker import DeviceWorker
from teller.domain.pin import PinBlock
from teller.domain.receipt_layout import Receipt

PAN = "6228480012345678901"


@pytest.fixture
def rig(request):
    emus = start_all(receipt_port=0, pcscd=getattr(request, "param", False))
    worker = DeviceWorker()
    worker.start()
    manager = DeviceManager(emus.device_config, worker)
    manager.open_all().wait(15)
    yield emus, DeviceHookBridge(manager, card_timeout=10, pin_timeout=10)
    manager.close_all()
    worker.stop()
    emus.stop()


def test_passbook_pin_and_receipt_hooks(rig):
    emus, bridge = rig
    # GIVEN a passbook with a stripe in the printer
    emus.passbook.insert_book(f"{PAN}=0001")
    # WHEN the teller reads the passbook
    # THEN the account comes from the stripe
    assert bridge.read_passbook() == PAN
    # WHEN the customer types the PIN on the pad while the terminal asks for it
    typer = threading.Thread(target=lambda: emus.pinpad.enter_pin("123456", timeout=5))
    typer.start()
    block = bridge.read_pin(PAN)
    typer.join()
    # THEN the terminal holds an encrypted block, never the clear PIN
    assert isinstance(block, PinBlock) and "123456" not in repr(block)
    # WHEN a receipt is printed
    bridge.print_receipt(Receipt("演示银行", "城东支行", "活期存款", "1001", PAN, 12345,
                                 "壹佰贰拾叁元肆角伍分", "J0001", "T001", "2026-01-02 10:00"))
    # THEN the ESC/POS emulator holds it, decoded
    assert emus.receipt.wait_for_receipts(1)
    text = emus.receipt.receipts[-1].text
    assert "活期存款" in text and "J0001" in text


@pytest.mark.parametrize("rig", ["auto"], indirect=True)
def test_card_hook_reads_the_inserted_virtual_card(rig):
    emus, bridge = rig
    if emus.card is None:
        pytest.skip("; ".join(n for n in emus.notes if n.startswith("card")))
    # GIVEN a virtual card with a chosen PAN inserted
    emus.insert_card("6217000000000000004", name="ZHANG/SAN")
    try:
        # WHEN the teller reads the card THEN its PAN fills the field
        assert bridge.read_card() == "6217000000000000004"
    finally:
        emus.remove_card()
