"""The real driver through the real PC/SC stack: pyscard → pcscd → vsmartcard vpcd → virtual card.

Needs pcscd and vsmartcard-vpcd installed (Debian: ``apt-get install pcscd vsmartcard-vpcd``).
Without them the module is skipped — except under CI (``CI`` set), where that is a failure.
"""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from teller.devices.card_reader import CardMonitor, PcscCardReader
from teller.devices.card_reader.pboc import luhn_complete
from teller.devices.emulators.virtual_card import VPCD_PORT, VirtualPbocCard, VpcdCardClient
from teller.devices.transports.pcsc import PcscContext
from teller.devices.errors import (Cancelled, CardMute, CardRemoved, DeviceStatus, NoDevice, Timeout,
                                   UnsupportedCard)

READER = "Virtual PCD 00 00"          # vpcd's first slot, served on VPCD_PORT (35963)
PAN = luhn_complete("621700123456789012")
PAN_T0 = luhn_complete("622848001234567890")
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide the PC/SC stack: {reason}")
    pytest.skip(reason)


def _vpcd_reader_visible() -> bool:
    ctx = PcscContext()
    try:
        ctx.open()
        return any(READER in r for r in ctx.list_readers())
    except NoDevice:
        return False
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def pcscd():
    """A running pcscd with the vpcd reader; started here (and stopped after) if it is not running."""
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        _unavailable("pyscard is not installed (pip install pyscard)")
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        _unavailable("pcscd is not installed (apt-get install pcscd)")
    if not VPCD_DRIVER.exists():
        _unavailable("vsmartcard-vpcd is not installed (apt-get install vsmartcard-vpcd)")
    started = None
    if not _vpcd_reader_visible():
        pcscd_bin = shutil.which("pcscd") or "/usr/sbin/pcscd"
        started = subprocess.Popen([pcscd_bin, "--foreground"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _vpcd_reader_visible():
            if started.poll() is not None or time.monotonic() > deadline:
                started.kill()
                _unavailable(f"pcscd did not come up with the '{READER}' reader (already running elsewhere "
                             "without vpcd, or not root?)")
            time.sleep(0.2)
    yield
    if started is not None:
        started.terminate()
        started.wait(timeout=10)


@pytest.fixture
def reader(pcscd):
    r = PcscCardReader(READER, apdu_timeout=1.5)
    yield r
    r.close()


@pytest.fixture
def insert(pcscd):
    """Insert a virtual card into the vpcd slot; everything inserted is pulled out afterwards."""
    clients: list[VpcdCardClient] = []

    def _insert(card: VirtualPbocCard, **kwargs) -> VpcdCardClient:
        client = VpcdCardClient(card, port=VPCD_PORT, **kwargs)
        client.insert()
        clients.append(client)
        return client

    yield _insert
    for client in clients:
        client.close()
    if clients:
        # pcscd notices a removal at its next poll; the next test starts with an empty slot
        probe = PcscCardReader(READER)
        deadline = time.monotonic() + 5
        while probe.card_present() and time.monotonic() < deadline:
            time.sleep(0.1)
        probe.close()


def test_reads_the_inserted_card(reader, insert):
    # GIVEN a personalised T=1 debit card in the reader
    insert(VirtualPbocCard(PAN, name="ZHANG/SAN", expiry="3006", pan_sequence="01"))
    # WHEN the teller reads it
    data = reader.read_card(timeout=10)
    # THEN PAN, name, expiry and track 2 arrived through pcscd
    assert data.pan == PAN
    assert data.cardholder_name == "ZHANG/SAN"
    assert data.expiry_yymm == "3006"
    assert data.track2_equivalent.startswith(f"{PAN}D3006")
    assert data.pan_sequence == "01"
    assert data.aid == "A000000333010101"


def test_reads_a_t0_card(reader, insert):
    # GIVEN a card whose ATR offers only T=0 (61xx / 6Cxx handled by the protocol)
    client = insert(VirtualPbocCard(PAN_T0, name="LI/SI", protocol="T=0"))
    # WHEN read
    data = reader.read_card(timeout=10)
    # THEN the read succeeds and GET RESPONSE really crossed PC/SC
    assert data.pan == PAN_T0 and data.cardholder_name == "LI/SI"
    assert any(apdu[:2] == b"\x00\xC0" for apdu in client.card.apdu_log)


def test_card_pulled_out_mid_read_raises_card_removed(reader, insert):
    # GIVEN a card that is pulled out after answering 4 APDUs
    insert(VirtualPbocCard(PAN), remove_after=4)
    # WHEN read; THEN CardRemoved, with the zh_CN message the teller sees
    with pytest.raises(CardRemoved) as info:
        reader.read_card(timeout=10)
    assert info.value.message == "卡片已被拔出，请重新插卡"


def test_mute_card_raises_card_mute_within_the_bound(reader, insert):
    # GIVEN a card that powers up but never answers an APDU, and a 1.5 s APDU bound
    insert(VirtualPbocCard(PAN, mute=True))
    reader.wait_for_card(5)
    # WHEN read
    started = time.monotonic()
    with pytest.raises(CardMute):
        reader.read_card(timeout=10)
    # THEN the driver gave up on its own, long before the overall timeout
    assert time.monotonic() - started < 4


def test_no_card_wait_times_out(reader):
    # GIVEN an empty reader
    assert reader.status() is DeviceStatus.READY
    # WHEN waiting 0.8 s for a card; THEN Timeout, on time
    started = time.monotonic()
    with pytest.raises(Timeout):
        reader.wait_for_card(0.8)
    assert 0.7 < time.monotonic() - started < 2.5
    with pytest.raises(Timeout):
        reader.read_card(timeout=0.5)


def test_waiting_can_be_cancelled(reader):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        reader.wait_for_card(10, cancel)
    assert time.monotonic() - started < 2


def test_status_and_presence_follow_the_card(reader, insert):
    assert not reader.card_present()
    client = insert(VirtualPbocCard(PAN))
    assert reader.wait_for_card(5) == READER
    assert reader.card_present() and reader.status() is DeviceStatus.MEDIA_PRESENT
    client.remove()
    deadline = time.monotonic() + 5
    while reader.card_present() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert reader.status() is DeviceStatus.READY


def test_unsupported_card_through_pcsc(reader, insert):
    insert(VirtualPbocCard(PAN, with_pse=False, aid="A0000000031010"))
    with pytest.raises(UnsupportedCard):
        reader.read_card(timeout=10)


def test_no_matching_reader_is_no_device(pcscd):
    r = PcscCardReader("No Such Reader 99")
    with pytest.raises(NoDevice):
        r.readers()
    assert r.status() is DeviceStatus.DISCONNECTED
    r.close()


def test_card_monitor_sees_insert_and_remove(pcscd, insert):
    events: queue.Queue[tuple[str, str]] = queue.Queue()
    monitor = CardMonitor(lambda r: events.put(("inserted", r)), lambda r: events.put(("removed", r)), READER,
                          poll_ms=200)
    monitor.start()
    try:
        # GIVEN a monitor on an empty reader
        with pytest.raises(queue.Empty):
            events.get(timeout=0.5)
        # WHEN a card goes in and comes out
        client = insert(VirtualPbocCard(PAN))
        assert events.get(timeout=5) == ("inserted", READER)
        client.remove()
        # THEN both events arrive, in order
        assert events.get(timeout=5) == ("removed", READER)
    finally:
        monitor.stop()
    assert not monitor.running
