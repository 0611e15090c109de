"""The real PinPad driver against the TPP emulator (socket://, socat pty pair, own pty)
and against a recording fake for byte-exact frames."""
from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from functools import reduce

import pytest

from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.devices.emulators.pinpad import DEMO_MASTER_KEY, DEMO_WORKING_KEY, PinPadEmulator
from teller.devices.errors import (
    Cancelled,
    DeviceError,
    KeyCheckFailed,
    KeyNotLoaded,
    MalformedData,
    PinEntryCancelled,
    PinEntryTimeout,
    Timeout,
)
from teller.devices.pinpad import PinPad
from teller.devices.pinpad.protocol import FrameDecoder, FrameError
from teller.devices.prompts import RecordingPrompts
from teller.devices.transports.recording import RecordingTransport
from teller.devices.transports.serial import SerialTransport
from teller.domain.pin import (
    PinBlock,
    encrypt_pin_block,
    encrypt_working_key,
    iso9564_format0_clear_block,
    key_check_value,
)

PAN = "6222020000000000018"
PIN = "739164"  # digits that occur nowhere else in these tests' output
SECRET = b"bank-pin-secret-for-tests-only!!"


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def frame(body: bytes) -> bytes:
    head = len(body).to_bytes(2, "big") + body + b"\x03"
    return b"\x02" + head + bytes([xor(head)])


@pytest.fixture
def emulator():
    emu = PinPadEmulator()
    yield emu
    emu.close()


@pytest.fixture
def verifier():
    return ZoneKeyPinVerifier(DEMO_WORKING_KEY, SECRET, scrypt_n=2 ** 10)


def load_demo_key(pad: PinPad) -> None:
    pad.load_working_key(0, encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY),
                         key_check_value(DEMO_WORKING_KEY))


def read_with_customer(pad: PinPad, emu: PinPadEmulator, digits: str, **kw) -> PinBlock:
    customer = threading.Thread(target=emu.enter_pin, args=(digits,))
    customer.start()
    try:
        return pad.read_pin(PAN, timeout=10, **kw)
    finally:
        customer.join(5)


@pytest.fixture
def tcp_pad(emulator):
    port = emulator.serve_tcp()
    pad = PinPad(SerialTransport(f"socket://127.0.0.1:{port}"), RecordingPrompts())
    pad.open()
    yield pad
    pad.close()


# --- byte-exact frames ---------------------------------------------------------------

def test_beep_and_status_frames_are_byte_exact():
    # GIVEN a fake pad that acknowledges BEEP and answers STATUS with version "V1"
    t = RecordingTransport([bytes.fromhex("0200024200 0343".replace(" ", "")),
                            frame(b"\x41\x00\x00\x00\x01V1")])
    t.open()
    pad = PinPad(t)
    # WHEN the driver beeps twice and asks the status
    pad.beep(2)
    version = pad.status()
    # THEN the frames are STX LEN CMD DATA ETX LRC exactly as documented
    assert t.writes == [bytes.fromhex("02 0002 42 02 03 41"), bytes.fromhex("02 0001 41 03 43")]
    assert version == "V1"


def test_load_key_and_read_pin_frames_are_byte_exact():
    wrapped = encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY)
    kcv = key_check_value(DEMO_WORKING_KEY)
    ct = encrypt_pin_block(DEMO_WORKING_KEY, iso9564_format0_clear_block(PIN, PAN))
    # GIVEN a fake pad that accepts the key and answers the PIN request
    t = RecordingTransport([
        frame(b"\x4b\x00"),
        frame(b"\x50\x00\x00\x00" + bytes.fromhex(kcv) + ct),
    ])
    t.open()
    prompts = RecordingPrompts()
    pad = PinPad(t, prompts)
    # WHEN the key is loaded and a 6-digit PIN is read with a 60 s timeout
    pad.load_working_key(0, wrapped, kcv)
    block = pad.read_pin(PAN)
    # THEN K = INDEX KEYLEN KEY KCV and P = INDEX MIN MAX TIMEOUT PANLEN PAN
    assert t.writes[0] == frame(b"\x4b\x00\x10" + wrapped + bytes.fromhex(kcv))
    assert t.writes[1] == frame(b"\x50\x00\x06\x06\x3c\x13" + PAN.encode())
    assert t.writes[1][:9].hex().upper() == "0200195000060" "63C13"
    # AND the block is the pad's ciphertext, tagged with the key it is under
    assert block.ciphertext_hex() == ct.hex().upper()
    assert block.key_id == f"M00:KCV={kcv}"
    # AND the customer was asked, and the prompt cleared afterwards
    assert prompts.keys == ["pin_entry"] and prompts.shown[0][1] == "请客户在密码键盘上输入密码"
    assert prompts.current is None


def test_a_corrupt_reply_is_malformed_data_not_a_crash():
    t = RecordingTransport([b"\x02\x00\x02\x42\x00\x03\x00"])  # LRC should be 0x43
    t.open()
    with pytest.raises(MalformedData):
        PinPad(t).beep()


def test_a_silent_pad_times_out():
    t = RecordingTransport([b""])
    t.open()
    with pytest.raises(Timeout):
        PinPad(t, command_timeout=0.3).status()


def test_decoder_resyncs_after_noise_and_reports_bad_lrc():
    d = FrameDecoder()
    d.feed(b"\xff\x00junk" + frame(b"\x42\x00") + frame(b"\x41\x00")[:-1] + b"\x00")
    assert d.next_body() == b"\x42\x00"
    with pytest.raises(FrameError):
        d.next_body()
    assert d.next_body() is None


# --- against the emulator -----------------------------------------------------------

def test_pin_read_over_socket_url_verifies_only_the_right_pin(emulator, tcp_pad, verifier):
    # GIVEN the demo working key loaded under master key 0
    load_demo_key(tcp_pad)
    # AND a verification value from account opening, made from the customer's PIN
    stored = verifier.make_verification_value(PAN, read_with_customer(tcp_pad, emulator, PIN))
    # WHEN the customer enters the PIN again, and later a wrong one
    right = read_with_customer(tcp_pad, emulator, PIN)
    wrong = read_with_customer(tcp_pad, emulator, "739165")
    # THEN the verifier accepts the first and rejects the second
    assert verifier.verify(PAN, right, stored) is True
    assert verifier.verify(PAN, wrong, stored) is False
    # AND the pad beeped for each entry
    assert emulator.entries_started == 3 and emulator.beeps >= 3


def test_key_events_show_asterisks_to_the_teller(emulator, tcp_pad):
    load_demo_key(tcp_pad)
    prompts = tcp_pad._prompts

    def customer():
        emulator.wait_until_entering()
        emulator.type_keys(PIN[:3])
        time.sleep(0.3)
        emulator.type_keys(PIN[3:])
        time.sleep(0.3)
        emulator.press_enter()

    threading.Thread(target=customer).start()
    tcp_pad.read_pin(PAN, timeout=10)
    texts = [text for _, text in prompts.shown]
    assert any(text.endswith("***") and not text.endswith("****") for text in texts)
    assert any(text.endswith("******") for text in texts)


def test_pin_read_over_a_socat_pty_pair(pty_pair, verifier):
    a, b = pty_pair
    emu = PinPadEmulator()
    emu.serve_serial(a)
    pad = PinPad(SerialTransport(b, 9600))
    pad.open()
    try:
        load_demo_key(pad)
        stored = verifier.make_verification_value(PAN, read_with_customer(pad, emu, PIN))
        assert verifier.verify(PAN, read_with_customer(pad, emu, PIN), stored)
        assert not verifier.verify(PAN, read_with_customer(pad, emu, "111111"), stored)
    finally:
        pad.close()
        emu.close()


def test_pin_read_over_the_emulators_own_pty(verifier):
    emu = PinPadEmulator()
    path = emu.serve_pty()
    pad = PinPad(SerialTransport(path, 9600))
    pad.open()
    try:
        load_demo_key(pad)
        block = read_with_customer(pad, emu, PIN)
        stored = verifier.make_verification_value(PAN, block)
        assert verifier.verify(PAN, read_with_customer(pad, emu, PIN), stored)
    finally:
        pad.close()
        emu.close()


def test_wrong_kcv_is_refused_and_no_key_is_loaded(emulator, tcp_pad):
    wrapped = encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY)
    # WHEN the teller loads the key with a check value that does not match
    with pytest.raises(KeyCheckFailed) as err:
        tcp_pad.load_working_key(0, wrapped, "000000")
    # THEN the pad refuses it, keeps no key, and a PIN cannot be read
    assert "密钥校验失败" in err.value.message
    assert emulator.working_key_kcv(0) is None
    with pytest.raises(KeyNotLoaded):
        tcp_pad.read_pin(PAN, timeout=5)


def test_key_under_an_unknown_master_index_is_refused(tcp_pad):
    with pytest.raises(KeyNotLoaded):
        tcp_pad.load_working_key(5, encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY),
                                 key_check_value(DEMO_WORKING_KEY))


def test_customer_cancel(emulator, tcp_pad):
    load_demo_key(tcp_pad)

    def customer():
        emulator.wait_until_entering()
        emulator.type_keys("12")
        emulator.press_cancel()

    threading.Thread(target=customer).start()
    with pytest.raises(PinEntryCancelled) as err:
        tcp_pad.read_pin(PAN, timeout=10)
    assert err.value.message == "客户已取消密码输入"
    assert not emulator.entering


def test_teller_cancel_stops_entry_and_leaves_the_pad_usable(emulator, tcp_pad, verifier):
    load_demo_key(tcp_pad)
    stop = threading.Event()

    def teller():
        emulator.wait_until_entering()
        emulator.type_keys("12")
        stop.set()

    threading.Thread(target=teller).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        tcp_pad.read_pin(PAN, timeout=30, cancel=stop)
    assert time.monotonic() - started < 5
    assert not emulator.entering
    # AND the next customer's entry works normally
    stored = verifier.make_verification_value(PAN, read_with_customer(tcp_pad, emulator, PIN))
    assert verifier.verify(PAN, read_with_customer(tcp_pad, emulator, PIN), stored)


def test_entry_timeout(emulator, tcp_pad):
    load_demo_key(tcp_pad)
    started = time.monotonic()
    with pytest.raises(PinEntryTimeout):
        tcp_pad.read_pin(PAN, timeout=1)
    assert 0.9 < time.monotonic() - started < 3


def test_enter_with_too_few_digits_keeps_waiting(emulator, tcp_pad):
    load_demo_key(tcp_pad)

    def customer():
        emulator.wait_until_entering()
        emulator.type_keys("123")
        emulator.press_enter()        # ignored: fewer than 6 digits
        emulator.press_clear()
        emulator.type_keys(PIN + "99")  # extra digits beyond max are ignored
        emulator.press_enter()

    threading.Thread(target=customer).start()
    block = tcp_pad.read_pin(PAN, timeout=10)
    v = ZoneKeyPinVerifier(DEMO_WORKING_KEY, SECRET, scrypt_n=2 ** 10)
    ref = encrypt_pin_block(DEMO_WORKING_KEY, iso9564_format0_clear_block(PIN, PAN))
    assert block.ciphertext_hex() == ref.hex().upper()
    assert v.verify(PAN, block, v.make_verification_value(PAN, block))


def test_control_channel_acts_as_the_customer(emulator, tcp_pad):
    load_demo_key(tcp_pad)
    cport = emulator.serve_control()

    def customer():
        with socket.create_connection(("127.0.0.1", cport)) as s, s.makefile("rw") as f:
            for line in ("WAIT 5", "STATUS", f"KEYS {PIN}", "ENTER"):
                f.write(line + "\n")
                f.flush()
                replies.append(f.readline().strip())

    replies: list[str] = []
    t = threading.Thread(target=customer)
    t.start()
    block = tcp_pad.read_pin(PAN, timeout=10)
    t.join(5)
    assert replies == ["OK", "OK entering digits=0", "OK", "OK"]
    ref = encrypt_pin_block(DEMO_WORKING_KEY, iso9564_format0_clear_block(PIN, PAN))
    assert block.ciphertext_hex() == ref.hex().upper()


def test_emulator_main_runs_standalone():
    proc = subprocess.Popen([sys.executable, "-m", "teller.devices.emulators.pinpad",
                             "--port", "0", "--control-port", "0", "--auto-pin", PIN],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split()[3]
        assert url.startswith("socket://127.0.0.1:")
        pad = PinPad(SerialTransport(url))
        pad.open()
        try:
            load_demo_key(pad)
            block = pad.read_pin(PAN, timeout=10)
        finally:
            pad.close()
        ref = encrypt_pin_block(DEMO_WORKING_KEY, iso9564_format0_clear_block(PIN, PAN))
        assert block.ciphertext_hex() == ref.hex().upper()
    finally:
        proc.terminate()
        proc.wait(5)


def test_the_clear_pin_appears_in_no_log_and_no_error(emulator, tcp_pad, caplog):
    caplog.set_level(logging.DEBUG)
    load_demo_key(tcp_pad)
    texts: list[str] = []
    block = read_with_customer(tcp_pad, emulator, PIN)
    texts += [repr(block), str(block), f"{block}"]

    def customer_cancels():
        emulator.wait_until_entering()
        emulator.type_keys(PIN[:5])
        emulator.press_cancel()

    threading.Thread(target=customer_cancels).start()
    with pytest.raises(DeviceError) as err:
        tcp_pad.read_pin(PAN, timeout=10)
    texts += [str(err.value), err.value.message, err.value.message_en, err.value.detail, repr(err.value)]
    with pytest.raises(PinEntryTimeout) as err2:
        tcp_pad.read_pin(PAN, timeout=1)
    texts += [str(err2.value), err2.value.detail]
    assert any("pinpad" in r.getMessage() for r in caplog.records), "expected DEBUG frame logs"
    everything = "\n".join(texts + [r.getMessage() for r in caplog.records] + [caplog.text])
    for secret in (PIN, PIN[:5], block.ciphertext_hex(), block.ciphertext_hex().lower()):
        assert secret not in everything
