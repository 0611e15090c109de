"""Passbook printer: golden command bytes, and the real driver against the emulator."""
from __future__ import annotations

import threading
import time

import pytest

from teller.devices.emulators.passbook_printer import PassbookPrinterEmulator
from teller.devices.errors import (Cancelled, CoverOpen, DeviceOffline, DeviceStatus,
                                   MalformedData, MediaJam, NoDevice, NoMedia, StripeUnreadable,
                                   StripeWriteFailed, Timeout, WrongPage)
from teller.devices.passbook import (PassbookLine, PassbookPrinter, columns_line,
                                     load_profile)
from teller.devices.prompts import RecordingPrompts
from teller.devices.transports.recording import RecordingTransport
from teller.devices.transports.serial import SerialTransport
from teller.devices.worker import DeviceWorker

PROFILE = load_profile("passbook_pr2")
STRIPE = "6228480012345678901=0001"
ACK = b"\x06"


def st(letter: str) -> bytes:
    return b"\x1br" + letter.encode()


def recorded(*replies):
    t = RecordingTransport(replies)
    t.open()
    return t, PassbookPrinter(t, PROFILE, RecordingPrompts())


# --- geometry -------------------------------------------------------------------------

def test_profile_geometry_skips_header_and_fold_gap():
    # GIVEN the PR2 profile: 24 lines, 12 per half, first line 6, 4-line fold gap
    # THEN line 1 is at 6, line 12 at 17, line 13 jumps the gap to 22, line 24 at 33
    assert [PROFILE.absolute_line(n) for n in (1, 12, 13, 24)] == [6, 17, 22, 33]
    assert [PROFILE.line_of(a) for a in (5, 6, 17, 18, 21, 22, 33, 34)] == \
        [None, 1, 12, None, None, 13, 24, None]
    with pytest.raises(ValueError):
        PROFILE.absolute_line(25)


# --- golden bytes over the recording transport -------------------------------------------

def test_status_golden_bytes_and_letter_mapping():
    t, pr = recorded(st("0"), st("1"), st("2"), st("3"), st("4"))
    assert [pr.status() for _ in range(5)] == [
        DeviceStatus.NO_MEDIA, DeviceStatus.MEDIA_PRESENT, DeviceStatus.JAMMED,
        DeviceStatus.COVER_OPEN, DeviceStatus.ERROR]
    assert t.writes == [b"\x1bj"] * 5


def test_reset_and_eject_golden_bytes():
    t, pr = recorded(st("0"), st("0"))
    assert pr.reset() == DeviceStatus.NO_MEDIA
    assert pr.eject() == DeviceStatus.NO_MEDIA
    assert t.writes == [b"\x1b0", b"\x1bO"]


def test_print_lines_golden_frames_with_fold_gap():
    # GIVEN a book present at page 1 and a printer acknowledging each line
    t, pr = recorded(st("1"), b"\x1bP01", ACK, ACK)
    # WHEN lines 13 and 1 are printed (out of order on purpose)
    confirmed = pr.print_lines(1, [PassbookLine(13, "利息 12.34"), PassbookLine(1, "存入")])
    # THEN they go top-down, positioned by ESC L nnn, GB18030 text, CR LF
    assert confirmed == [1, 13]
    assert t.writes == [
        b"\x1bj",
        b"\x1bP",
        b"\x1bL006" + "存入".encode("gb18030") + b"\r\n",
        b"\x1bL022" + "利息 12.34".encode("gb18030") + b"\r\n",
    ]
    assert b"\x1bL006\xb4\xe6\xc8\xeb\r\n" == t.writes[2]  # 存入 in GB18030, literally


def test_column_cells_are_placed_with_esc_c():
    line = columns_line(PROFILE, 3, {"date": "2024-01-03", "code": "存现", "amount": "500.00"})
    t, pr = recorded(st("1"), b"\x1bP01", ACK)
    assert pr.print_lines(1, [line]) == [3]
    assert t.writes[-1] == (b"\x1bL008" + b"\x1bC001" + b"2024-01-03" + b"\x1bC012"
                            + "存现".encode("gb18030") + b"\x1bC021" + b"500.00" + b"\r\n")


def test_fault_reply_mid_print_carries_confirmed_lines():
    # GIVEN the printer jams on the third line
    t, pr = recorded(st("1"), b"\x1bP02", ACK, ACK, st("2"), ACK)
    lines = [PassbookLine(n, f"line {n}") for n in (4, 5, 6, 7)]
    # WHEN printing THEN MediaJam, with lines 4 and 5 confirmed, and nothing sent after the jam
    with pytest.raises(MediaJam) as info:
        pr.print_lines(2, lines)
    assert info.value.confirmed == [4, 5]
    assert info.value.message == "介质卡纸，请取出后重新放入"
    assert len(t.writes) == 5


def test_read_stripe_golden_and_unreadable():
    t, pr = recorded(st("1"), b"\x1bs" + STRIPE.encode() + b"\x1c")
    s = pr.read_stripe(timeout=1)
    assert (s.account, s.book_no, s.raw) == ("6228480012345678901", "0001", STRIPE)
    assert t.writes == [b"\x1bj", b"\x1b]"]
    # GIVEN a stripe whose characters the head could not decode (0x7F)
    t, pr = recorded(st("1"), b"\x1bs\x7f\x7f28480012345678901=0001\x1c")
    with pytest.raises(StripeUnreadable) as info:
        pr.read_stripe(timeout=1)
    assert "磁条无法读取" in info.value.message
    assert isinstance(info.value, MalformedData)


def test_write_stripe_golden_bytes_with_verify():
    raw = "6228480012345678901=0002"
    t, pr = recorded(st("1"), b"", st("1"), b"\x1bs" + raw.encode() + b"\x1c")
    out = pr.write_stripe("6228480012345678901", "0002")
    assert out.raw == raw
    assert t.writes == [b"\x1bj", b"\x1bt" + raw.encode() + b"\x1d", b"\x1b\\", b"\x1b]"]


def test_unknown_status_letter_is_malformed():
    _, pr = recorded(st("Z"))
    with pytest.raises(MalformedData):
        pr.status()


def test_silent_printer_times_out():
    _, pr = recorded()
    from dataclasses import replace
    pr.profile = replace(PROFILE, reply_timeout=0.05)
    with pytest.raises(Timeout):
        pr.status()


# --- against the emulator ---------------------------------------------------------------

class TellerPrompts(RecordingPrompts):
    """Acts like the teller: turns the book to the asked page and reinserts it."""

    def __init__(self, emu: PassbookPrinterEmulator) -> None:
        super().__init__()
        self.emu = emu

    def show(self, message_key: str, text: str) -> None:
        super().show(message_key, text)
        if message_key == "turn_page":
            n = int("".join(ch for ch in text if ch.isdigit()))
            threading.Timer(0.05, self.emu.turn_to, (n,)).start()


@pytest.fixture
def emu():
    e = PassbookPrinterEmulator()
    e.start()
    yield e
    e.stop()


@pytest.fixture
def printer(emu):
    prompts = TellerPrompts(emu)
    pr = PassbookPrinter(SerialTransport(f"socket://127.0.0.1:{emu.port}"), PROFILE, prompts)
    pr.open()
    yield pr
    pr.close()


def test_print_page_1_and_2_across_the_fold(emu, printer):
    # GIVEN a book open at page 1
    emu.insert_book(STRIPE, pages=10)
    # WHEN lines 11..14 go on page 1, then lines 1..2 on page 2
    assert printer.print_lines(1, [PassbookLine(n, f"第{n}行 存入 100.00")
                                   for n in (11, 12, 13, 14)]) == [11, 12, 13, 14]
    assert printer.print_lines(2, [PassbookLine(1, "承前页"), PassbookLine(2, "取出 50.00")]) \
        == [1, 2]
    # THEN the book holds them on the right pages and lines; the teller was asked to turn
    pages = emu.printed_pages()
    assert pages[1] == {11: "第11行 存入 100.00", 12: "第12行 存入 100.00",
                        13: "第13行 存入 100.00", 14: "第14行 存入 100.00"}
    assert pages[2] == {1: "承前页", 2: "取出 50.00"}
    assert ("turn_page", "请翻到第2页后重新插入") in printer.prompts.shown
    # AND the head went over the fold: line 12 at 017, line 13 at 022
    assert b"<line 017>" in emu.commands and b"<line 022>" in emu.commands
    assert b"<line 018>" not in emu.commands


def test_jam_then_resume_prints_only_the_rest(emu, printer):
    # GIVEN a book, and a jam waiting at line 5
    emu.insert_book(STRIPE)
    emu.jam_at(5)
    lines = [PassbookLine(n, f"交易{n}") for n in range(3, 9)]
    # WHEN printing lines 3..8
    with pytest.raises(MediaJam) as info:
        printer.print_lines(1, lines)
    # THEN the lines before 5 are confirmed and on paper; 5 and later are not
    assert info.value.confirmed == [3, 4]
    assert sorted(emu.printed_pages()[1]) == [3, 4]
    assert printer.status() == DeviceStatus.JAMMED
    # WHEN the teller clears the jam and the caller resumes from the first unconfirmed line
    emu.clear_jam()
    rest = [ln for ln in lines if ln.line_no not in info.value.confirmed]
    assert printer.print_lines(1, rest) == [5, 6, 7, 8]
    # THEN every line is printed exactly once and nothing was reprinted
    assert emu.printed_pages()[1] == {n: f"交易{n}" for n in range(3, 9)}
    assert emu.commands.count(b"<line 008>") == 1  # line 3 (abs 8) went out once


def test_no_media_prompts_and_raises_with_nothing_confirmed(emu, printer):
    # GIVEN no book in the printer
    # WHEN printing with a short wait
    t0 = time.monotonic()
    with pytest.raises(NoMedia) as info:
        printer.print_lines(1, [PassbookLine(1, "x")], media_timeout=0.3)
    # THEN the teller was asked to insert it, the wait ended, nothing was printed
    assert 0.25 < time.monotonic() - t0 < 3
    assert info.value.confirmed == []
    assert printer.prompts.keys[:1] == ["insert_passbook"]
    assert printer.prompts.current is None  # prompt cleared
    assert emu.printed_pages() == {}


def test_wrong_page_is_ejected_and_reported(emu):
    # GIVEN a book open at page 1 and a teller who never turns it
    emu.insert_book(STRIPE)
    prompts = RecordingPrompts()
    pr = PassbookPrinter(SerialTransport(f"socket://127.0.0.1:{emu.port}"), PROFILE, prompts)
    pr.open()
    try:
        # WHEN page 3 is to be printed
        with pytest.raises(WrongPage) as info:
            pr.print_lines(3, [PassbookLine(1, "x")], media_timeout=0.5)
    finally:
        pr.close()
    # THEN the book was given back, the teller asked to turn to page 3, nothing printed
    assert info.value.confirmed == []
    assert ("turn_page", "请翻到第3页后重新插入") in prompts.shown
    assert emu.book.inserted is False and emu.printed_pages() == {}


def test_book_inserted_while_waiting_then_prints(emu, printer):
    threading.Timer(0.3, emu.insert_book, (STRIPE,)).start()
    assert printer.print_lines(1, [PassbookLine(1, "存入")], media_timeout=5) == [1]
    assert emu.printed_pages() == {1: {1: "存入"}}


def test_cover_open_and_offline(emu, printer):
    emu.insert_book(STRIPE)
    emu.open_cover()
    with pytest.raises(CoverOpen) as info:
        printer.print_lines(1, [PassbookLine(1, "x")])
    assert info.value.message == "打印机盖未合上" and info.value.confirmed == []
    emu.close_cover()
    emu.set_offline(True)
    with pytest.raises(DeviceOffline):
        printer.print_lines(1, [PassbookLine(1, "x")])
    emu.set_offline(False)
    assert printer.print_lines(1, [PassbookLine(1, "x")]) == [1]


def test_printer_gone_is_nodevice_or_timeout(emu, printer):
    emu.insert_book(STRIPE)
    assert printer.status() == DeviceStatus.MEDIA_PRESENT
    # WHEN the printer goes away (power off / cable pulled)
    emu.stop()
    # THEN the driver raises a typed error, not a crash
    with pytest.raises((NoDevice, Timeout)):
        printer.status()
    # AND opening again fails with NoDevice
    printer.close()
    with pytest.raises(NoDevice):
        printer.open()


def test_stripe_write_read_round_trip_and_failures(emu, printer):
    emu.insert_book(STRIPE)
    assert printer.read_stripe(timeout=1).book_no == "0001"
    # WHEN a new book number is written THEN reading it back gives the new data
    printer.write_stripe("6228480012345678901", "0002")
    assert printer.read_stripe(timeout=1).raw == "6228480012345678901=0002"
    assert emu.book.stripe == "6228480012345678901=0002"
    # WHEN the head fails to write THEN StripeWriteFailed, and the stripe is unchanged
    emu.fail_next_stripe_write()
    with pytest.raises(StripeWriteFailed):
        printer.write_stripe("6228480012345678901", "0003")
    assert emu.book.stripe == "6228480012345678901=0002"


def test_unreadable_stripe_from_emulator(emu, printer):
    emu.insert_book(STRIPE, stripe_readable=False)
    with pytest.raises(StripeUnreadable) as info:
        printer.read_stripe(timeout=1)
    assert info.value.message.startswith("磁条无法读取")


def test_over_socat_pty_pair(pty_pair):
    # GIVEN the emulator on one end of a socat pty pair and the driver on the other
    a, b = pty_pair
    emu = PassbookPrinterEmulator()
    emu.attach(b)
    emu.insert_book(STRIPE)
    pr = PassbookPrinter(SerialTransport(a, baudrate=PROFILE.baudrate), PROFILE)
    pr.open()
    try:
        # WHEN reading the stripe and printing across the fold
        assert pr.read_stripe(timeout=2).account == "6228480012345678901"
        assert pr.print_lines(1, [PassbookLine(12, "上半页末行"), PassbookLine(13, "下半页首行")]) \
            == [12, 13]
        emu.jam_at(14)
        with pytest.raises(MediaJam) as info:
            pr.print_lines(1, [PassbookLine(14, "卡"), PassbookLine(15, "未打")])
        assert info.value.confirmed == []
    finally:
        pr.close()
        emu.stop()
    # THEN the serial bytes produced the same book as over TCP
    assert emu.printed_pages() == {1: {12: "上半页末行", 13: "下半页首行"}}


def test_over_emulator_own_pty():
    emu = PassbookPrinterEmulator()
    path = emu.start_pty()
    emu.insert_book(STRIPE)
    pr = PassbookPrinter(SerialTransport(path), PROFILE)
    pr.open()
    try:
        assert pr.status() == DeviceStatus.MEDIA_PRESENT
        assert pr.print_lines(1, [PassbookLine(24, "末行")]) == [24]
    finally:
        pr.close()
        emu.stop()
    assert emu.printed_pages() == {1: {24: "末行"}}


def test_worker_cancels_a_print_waiting_for_the_book(emu, printer):
    # GIVEN a print job on the device thread, waiting for a book that never comes
    w = DeviceWorker()
    w.start()
    try:
        errors: list = []
        job = w.submit(printer.print_lines, 1, [PassbookLine(1, "x")], cancellable=True,
                       media_timeout=30, on_error=errors.append)
        deadline = time.monotonic() + 5
        while "insert_passbook" not in printer.prompts.keys and time.monotonic() < deadline:
            time.sleep(0.02)
        # WHEN the teller cancels
        job.cancel()
        # THEN the job ends promptly with Cancelled and nothing confirmed
        with pytest.raises(Cancelled):
            job.wait(3)
        assert errors[0].confirmed == []
        # AND the same thread then serves the next device call
        emu.insert_book(STRIPE)
        assert w.call(printer.status, timeout=3) == DeviceStatus.MEDIA_PRESENT
    finally:
        w.stop()


def test_render_png_of_printed_page(emu, printer, tmp_path):
    emu.insert_book(STRIPE)
    printer.print_lines(1, [PassbookLine(1, "2024-01-02 存入 1,000.00")])
    out = emu.render_png(tmp_path / "p1.png", page=1)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_emulator_main_serves_tcp(tmp_path):
    import subprocess
    import sys

    from devsupport import free_port
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "teller.devices.emulators.passbook_printer",
                             "--port", str(port), "--stripe", STRIPE],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert "socket://127.0.0.1:%d" % port in proc.stdout.readline()
        pr = PassbookPrinter(SerialTransport(f"socket://127.0.0.1:{port}"), PROFILE)
        pr.open()
        assert pr.read_stripe(timeout=2).raw == STRIPE
        pr.close()
    finally:
        proc.terminate()
        proc.wait(5)
