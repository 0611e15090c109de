"""Receipt layout, the ReceiptPrinter driver through python-escpos, and the ESC/POS emulator."""
from __future__ import annotations

import socket
import subprocess
import sys
from datetime import datetime

import pytest
from escpos.printer import Network

from teller.devices.emulators.escpos_printer import EscPosPrinterEmulator
from teller.devices.errors import CoverOpen, DeviceStatus, MalformedData, NoDevice, PaperOut
from teller.devices.receipt import ReceiptPrinter, encode_lines, make_escpos_printer
from teller.devices.receipt.fake import RecordingEscpos
from teller.domain.money import Money, to_chinese_capital
from teller.domain.receipt_layout import (
    Receipt,
    ReceiptLine,
    display_width,
    format_amount,
    mask_account,
    receipt_lines,
    receipt_text,
    wrap,
)

ACCOUNT = "6222020000000000018"


def make_receipt(**kw) -> Receipt:
    values = dict(bank="测试农村商业银行", branch="城关支行", txn_name="储蓄存款", txn_code="10020",
                  account=ACCOUNT, amount_fen=123456,
                  amount_capital=to_chinese_capital(Money(123456)), journal_no="J20261123000017",
                  teller="T001", time=datetime(2026, 11, 23, 9, 37, 18), offline=False)
    values.update(kw)
    return Receipt(**values)


@pytest.fixture
def emulator():
    emu = EscPosPrinterEmulator()
    emu.port = emu.serve_tcp(port=0)
    yield emu
    emu.close()


@pytest.fixture
def printer(emulator):
    p = ReceiptPrinter(make_escpos_printer("network", host="127.0.0.1", port=emulator.port))
    p.open()
    yield p
    p.close()


# --- layout ------------------------------------------------------------------------

def test_display_width_counts_cjk_as_two_columns():
    assert display_width("储蓄") == 4
    assert display_width("ab") == 2
    assert display_width("￥1") == 3
    assert display_width("𠮷") == 2
    assert wrap("壹仟贰佰叁拾肆元", 6) == ["壹仟贰", "佰叁拾", "肆元"]


def test_account_is_masked_first_6_and_last_4():
    assert mask_account(ACCOUNT) == "622202****0018"
    assert mask_account("12345678") == "****5678"
    assert format_amount(123456) == "￥1,234.56"
    assert format_amount(-5) == "-￥0.05"


@pytest.mark.parametrize("width", [32, 48])
def test_receipt_lines_fit_the_paper_and_carry_every_field(width):
    # GIVEN an offline deposit receipt with an extra line
    r = make_receipt(offline=True, extra_lines=("摘要：冲正原流水J20261122000003",))
    # WHEN it is laid out
    lines = receipt_lines(r, width)
    text = receipt_text(r, width)
    # THEN no line is wider than the paper (double-size titles count double)
    for line in lines:
        assert display_width(line.text) * (2 if line.double else 1) <= width, line
    # AND it carries the masked account, amount, 大写, journal number and the offline mark
    flat = "".join(line.text.strip() for line in lines)
    assert ACCOUNT not in text and "622202****0018" in text
    assert "￥1,234.56" in text
    assert "人民币壹仟贰佰叁拾肆元伍角陆分" in flat
    assert "J20261123000017" in text and "T001" in text and "2026-11-23 09:37:18" in text
    assert "脱机交易" in text and "冲正原流水" in flat


def test_online_receipt_has_no_offline_mark():
    assert "脱机" not in receipt_text(make_receipt())


# --- driver, byte exact -------------------------------------------------------------

def test_receipt_bytes_are_gb18030_in_chinese_mode_after_a_status_check():
    # GIVEN a recording printer that reports online, paper present
    fake = RecordingEscpos([b"\x12", b"\x12"])
    p = ReceiptPrinter(fake)
    p.open()
    lines = [ReceiptLine("储蓄𠮷", "center", bold=True)]
    # WHEN the lines are printed
    p.print_lines(lines)
    # THEN the printer was asked DLE EOT 1 and 4 before any text, then got
    # ESC @, FS &, style, GB18030 text, LF, style reset, and a feed-and-cut
    assert fake.writes[:2] == [b"\x10\x04\x01", b"\x10\x04\x04"]
    expected = (b"\x1b@" b"\x1c&" b"\x1ba\x01" b"\x1bE\x01" b"\x1d!\x00"
                + "储蓄𠮷".encode("gb18030") + b"\n" + b"\x1ba\x00\x1bE\x00\x1d!\x00")
    assert fake.writes[2] == expected == encode_lines(lines)
    assert "𠮷".encode("gb18030") == bytes.fromhex("9534B235")  # U+20BB7: 0x90+5, 0x30+4, 0x81+49, 0x30+5
    assert fake.writes[3] == b"\x1dVB\x00"


def test_driver_refuses_to_write_before_open():
    fake = RecordingEscpos([b"\x12"])
    with pytest.raises(NoDevice):
        ReceiptPrinter(fake).check_paper()
    assert fake.writes == [] and fake.opened == 0


def test_garbage_status_is_malformed_data():
    p = ReceiptPrinter(RecordingEscpos([b"\xff"]))
    p.open()
    with pytest.raises(MalformedData):
        p.check_paper()


# --- against the emulator -----------------------------------------------------------

RARE = "𠮷喆"


def test_receipt_through_python_escpos_network_decodes_exactly(emulator, printer):
    # GIVEN a reversal receipt with rare characters in an extra line
    r = make_receipt(txn_name="储蓄冲正", extra_lines=(f"客户：{RARE}",))
    # WHEN it is printed through python-escpos' Network printer
    assert printer.check_paper() is DeviceStatus.READY
    printer.print_receipt(r)
    # THEN the emulator holds one cut receipt whose decoded text is the layout's text
    assert emulator.wait_for_receipts(1)
    receipt = emulator.receipts[0]
    assert receipt.cut == "partial"
    assert [line.text for line in receipt.lines] == [line.text for line in receipt_lines(r)]
    text = receipt.text
    for expected in ("壹仟贰佰叁拾肆元伍角", "陆分", "储蓄", "冲正", "𠮷", "喆", "622202****0018"):
        assert expected in text
    # AND the title was centred, bold and double size, as sent
    title = receipt.lines[0]
    assert (title.align, title.bold, title.width, title.height) == (1, True, 2, 2)
    assert emulator.unknown == []


def test_without_chinese_mode_the_same_bytes_print_as_garbage():
    # GIVEN a printer fresh from power-on (single-byte mode)
    emu = EscPosPrinterEmulator()
    port = emu.serve_tcp(port=0)
    net = Network("127.0.0.1", port, timeout=3)
    net.open()
    try:
        # WHEN python-escpos' own text path sends Chinese without FS &
        net.text("储蓄" + RARE + "\n")
        net.cut()
        assert emu.wait_for_receipts(1)
        # THEN the printer does not print the Chinese: this is why the driver sends FS &
        assert "储蓄" not in emu.receipts[0].text
    finally:
        net.close()
        emu.close()


def test_paper_out_before_printing_raises_and_prints_nothing(emulator, printer):
    # GIVEN a printer that has run out of paper
    emulator.paper_out = True
    # WHEN a receipt is printed
    with pytest.raises(PaperOut) as err:
        printer.print_receipt(make_receipt())
    # THEN the teller is told to load paper and not a byte of the receipt was sent
    assert err.value.message == "打印机缺纸，请装纸后重试"
    assert emulator.receipts == []
    assert bytes(emulator.raw) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"
    assert emulator.dropped == 0
    # AND once paper is loaded the same receipt prints
    emulator.paper_out = False
    printer.print_receipt(make_receipt())
    assert emulator.wait_for_receipts(1)


def test_cover_open_raises_cover_open(emulator, printer):
    emulator.cover_open = True
    with pytest.raises(CoverOpen):
        printer.check_paper()
    with pytest.raises(CoverOpen):
        printer.print_receipt(make_receipt())
    assert emulator.receipts == []


def test_near_end_still_prints(emulator, printer):
    emulator.near_end = True
    assert printer.check_paper() is DeviceStatus.READY


def test_nothing_listening_is_no_device():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = ReceiptPrinter(make_escpos_printer("network", host="127.0.0.1", port=port, timeout=1))
    with pytest.raises(NoDevice) as err:
        p.open()
    assert err.value.message == "未找到设备，请检查连接"


def test_a_printer_that_never_answers_status_is_no_device(tcp_peer):
    p = ReceiptPrinter(make_escpos_printer("network", host="127.0.0.1", port=tcp_peer.port,
                                           timeout=0.5))
    p.open()
    try:
        with pytest.raises(NoDevice):
            p.check_paper()
    finally:
        p.close()


def test_emulator_skips_parameter_bytes_of_styling_commands():
    # GIVEN a stream where parameter bytes look like printable text ('1', '!', '0')
    emu = EscPosPrinterEmulator()
    stream = (b"\x1b@\x1c&" b"\x1ba1" b"\x1b!\x30" b"\x1d!\x11" b"\x1bE\x01" b"\x1b-1"
              b"\x1b2" b"\x1b3\x20" b"\x1bt\x00" b"\x1d(k\x03\x001A0" + "冲正".encode("gb18030")
              + b"\n\x1dk\x04123\x00" b"\x1dV\x41\x03")
    # WHEN it is fed in one-byte pieces (commands split across TCP segments)
    for i in range(len(stream)):
        emu.feed(stream[i:i + 1])
    # THEN only the text prints, with its style, and the GS V A n cut ends the receipt
    assert [r.text for r in emu.receipts] == ["冲正"]
    assert emu.receipts[0].lines[0].align == 1 and emu.unknown == []


def test_status_queries_are_answered_with_epson_bits():
    emu = EscPosPrinterEmulator()
    assert emu.feed(b"\x10\x04\x01\x10\x04\x04") == b"\x12\x12"
    emu.paper_out = True
    assert emu.feed(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04") == b"\x1a\x32\x7e"
    emu.paper_out, emu.cover_open = False, True
    assert emu.feed(b"\x10\x04\x02") == b"\x16"


def test_receipt_renders_to_png(emulator, printer, tmp_path):
    printer.print_receipt(make_receipt(extra_lines=(RARE,)))
    assert emulator.wait_for_receipts(1)
    try:
        png = emulator.render_png(emulator.receipts[0], tmp_path / "r.png")
    except RuntimeError:
        pytest.skip("no CJK font installed")
    from PIL import Image

    with Image.open(png) as img:
        assert img.format == "PNG" and img.width == 384
        assert img.height > 30 * len(emulator.receipts[0].lines)
        # some ink, and not all ink
        lo, hi = img.getextrema()
        assert lo == 0 and hi == 255


def test_emulator_main_prints_each_receipt():
    proc = subprocess.Popen([sys.executable, "-m", "teller.devices.emulators.escpos_printer",
                             "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        p = ReceiptPrinter(make_escpos_printer("network", host="127.0.0.1", port=port))
        p.open()
        p.print_receipt(make_receipt())
        p.close()
        out = [proc.stdout.readline() for _ in range(6)]
        assert out[0].startswith("----- receipt 1 (partial cut)")
        assert any("客户回单" in line for line in out)
    finally:
        proc.terminate()
        proc.wait(5)
