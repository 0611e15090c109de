"""An ESC/POS receipt printer on TCP (port 9100), for demo mode and tests.

It parses the byte stream the way a printer does — every command is skipped with
exactly its parameter bytes, so a parameter such as the ``1`` of ``ESC a 1`` never
leaks into the text — keeps each receipt (everything between two cuts) as decoded
lines, and answers the real-time status queries (``DLE EOT n``, ``GS r n``).

Text is decoded as GB18030 in Chinese character mode (``FS &`` … ``FS .``) and as
code page 437 otherwise, like an Epson-compatible printer whose power-on default is
single-byte mode. While the paper is out or the cover is open nothing is printed
(bytes are counted in ``dropped``), which lets a test prove a driver checked first.

``render_png()`` draws a receipt with Pillow (already a python-escpos dependency)
and a CJK font from the system, if one is installed.
"""
from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_PORT = 9100
_POLL = 0.1

# Fixed parameter counts after ESC x / GS x / FS x. Variable-length commands are
# handled in _command_length.
_ESC_PARAMS = {
    b"@": 0, b"!": 1, b"E": 1, b"-": 1, b"a": 1, b"d": 1, b"J": 1, b"2": 0, b"3": 1,
    b"t": 1, b"M": 1, b"G": 1, b"V": 1, b"{": 1, b"R": 1, b"p": 3, b"c": 2, b"e": 1,
    b"i": 0, b"m": 0, b" ": 1, b"$": 2, b"\\": 2, b"U": 1, b"r": 1, b"S": 0, b"L": 0,
    b"T": 1, b"W": 8, b"=": 1, b"%": 1, b"?": 1, b"<": 0,
}
_GS_PARAMS = {
    b"!": 1, b"B": 1, b"b": 1, b"h": 1, b"w": 1, b"H": 1, b"f": 1, b"L": 2, b"W": 2,
    b"a": 1, b"r": 1, b"I": 1, b"P": 2, b"$": 2, b"\\": 2, b"^": 3, b":": 0,
}
_FS_PARAMS = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"W": 1, b"S": 2, b"C": 1, b"p": 2}
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@dataclass(frozen=True)
class PrintedLine:
    text: str
    align: int = 0  # 0 left, 1 center, 2 right
    bold: bool = False
    width: int = 1  # character size multiplier from GS !/ESC !
    height: int = 1


@dataclass(frozen=True)
class PrintedReceipt:
    lines: tuple[PrintedLine, ...]
    cut: str  # "full" | "partial"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class _Style:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    kanji: bool = False


@dataclass
class _Page:
    lines: list[PrintedLine] = field(default_factory=list)
    text: bytearray = field(default_factory=bytearray)
    line_style: _Style | None = None


class EscPosPrinterEmulator:
    def __init__(self, *, paper_out: bool = False, cover_open: bool = False,
                 near_end: bool = False) -> None:
        self.paper_out = paper_out
        self.cover_open = cover_open
        self.near_end = near_end
        self.receipts: list[PrintedReceipt] = []
        self.raw = bytearray()       # every byte received, for byte-level assertions
        self.dropped = 0             # text bytes not printed (no paper / cover open)
        self.unknown: list[bytes] = []
        self._cond = threading.Condition()
        self._style = _Style()
        self._page = _Page()
        self._pending = bytearray()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def __repr__(self) -> str:
        return f"EscPosPrinterEmulator(receipts={len(self.receipts)})"

    # --- status ------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return self.paper_out or self.cover_open

    def _status(self, n: int) -> int:
        b = 0x12
        if n == 1 and self.offline:
            b |= 0x08
        elif n == 2:
            b |= (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        elif n == 4:
            b |= (0x0C if self.near_end or self.paper_out else 0) | (0x60 if self.paper_out else 0)
        return b

    def _gs_r(self, n: int) -> int:
        if n in (1, 49):
            return (0x03 if self.near_end or self.paper_out else 0) | (0x0C if self.paper_out else 0)
        return 0

    # --- the parser --------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Consume bytes from the host; returns the bytes the printer answers."""
        with self._cond:
            self.raw += data
            self._pending += data
            reply = bytearray()
            while self._pending:
                used = self._step(self._pending, reply)
                if used == 0:
                    break  # incomplete command: wait for more bytes
                del self._pending[:used]
            self._cond.notify_all()
            return bytes(reply)

    def _command_length(self, buf: bytearray) -> int:
        """Length of the command at buf[0] (a control byte), 0 if incomplete, -1 unknown."""
        head = buf[0]
        if head in (0x1B, 0x1D, 0x1C):
            if len(buf) < 2:
                return 0
            op = bytes(buf[1:2])
            if head == 0x1B:
                if op == b"*":  # ESC * m nL nH data
                    if len(buf) < 5:
                        return 0
                    return 5 + (buf[3] + 256 * buf[4]) * (1 if buf[2] in (0, 1) else 3)
                if op == b"D":  # tab stops, NUL-terminated
                    end = buf.find(b"\x00", 2)
                    return end + 1 if end >= 0 else 0
                n = _ESC_PARAMS.get(op)
            elif head == 0x1D:
                if op == b"V":  # GS V m [n]
                    if len(buf) < 3:
                        return 0
                    return 4 if buf[2] in (65, 66, 97, 98) else 3
                if op == b"(":  # GS ( fn pL pH data
                    if len(buf) < 5:
                        return 0
                    return 5 + buf[3] + 256 * buf[4]
                if op == b"k":  # barcode: m (0-6) NUL-terminated, else m n data
                    if len(buf) < 3:
                        return 0
                    if buf[2] <= 6:
                        end = buf.find(b"\x00", 3)
                        return end + 1 if end >= 0 else 0
                    return 4 + buf[3] if len(buf) >= 4 else 0
                if op == b"v":  # GS v 0 m xL xH yL yH data
                    if len(buf) < 8:
                        return 0
                    return 8 + (buf[4] + 256 * buf[5]) * (buf[6] + 256 * buf[7])
                if op == b"8":  # GS 8 L p1..p4 data
                    if len(buf) < 7:
                        return 0
                    return 7 + int.from_bytes(buf[3:7], "little")
                if op == b"*":  # GS * x y data
                    return 4 + buf[2] * buf[3] * 8 if len(buf) >= 4 else 0
                n = _GS_PARAMS.get(op)
            else:
                n = _FS_PARAMS.get(op)
            return -1 if n is None else 2 + n
        if head == 0x10:  # DLE EOT n, DLE ENQ n, DLE DC4 fn m t
            if len(buf) < 2:
                return 0
            return {0x04: 3, 0x05: 3, 0x14: 5}.get(buf[1], 2)
        return 1

    def _step(self, buf: bytearray, reply: bytearray) -> int:
        b = buf[0]
        if b >= 0x20:
            end = 1
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            self._text(bytes(buf[:end]))
            return end
        length = self._command_length(buf)
        if length == 0 or length > len(buf):
            return 0
        if length < 0:
            self.unknown.append(bytes(buf[:2]))
            log.debug("escpos-emu: unknown command %r, skipped", bytes(buf[:2]))
            return 2
        self._execute(bytes(buf[:length]), reply)
        return length

    def _text(self, data: bytes) -> None:
        if self.offline:
            self.dropped += len(data)
            return
        page = self._page
        if page.line_style is None:
            page.line_style = _Style(**vars(self._style))
        page.text += data

    def _end_line(self) -> None:
        page = self._page
        style = page.line_style or self._style
        encoding = "gb18030" if style.kanji else "cp437"
        text = page.text.decode(encoding, "replace")
        if self.offline:
            return
        page.lines.append(PrintedLine(text, style.align, style.bold, style.width, style.height))
        page.text.clear()
        page.line_style = None

    def _cut(self, mode: str) -> None:
        if self._page.text:
            self._end_line()
        if self._page.lines:
            self.receipts.append(PrintedReceipt(tuple(self._page.lines), mode))
        self._page = _Page()

    def _execute(self, cmd: bytes, reply: bytearray) -> None:
        s = self._style
        head, op = cmd[:1], cmd[1:2]
        if cmd == b"\n":
            if not self.offline:
                self._end_line()
        elif cmd == b"\t":
            self._text(b"    ")
        elif head == b"\x10":
            if op == b"\x04":
                reply.append(self._status(cmd[2]))
        elif head == b"\x1b":
            if op == b"@":
                self._style = _Style()
            elif op == b"a":
                s.align = cmd[2] % 48 if cmd[2] >= 48 else cmd[2]
            elif op == b"E":
                s.bold = bool(cmd[2] & 1)
            elif op == b"!":
                s.bold = bool(cmd[2] & 0x08)
                s.height = 2 if cmd[2] & 0x10 else 1
                s.width = 2 if cmd[2] & 0x20 else 1
            elif op in (b"i", b"m"):
                self._cut("partial")
        elif head == b"\x1d":
            if op == b"!":
                s.width, s.height = (cmd[2] >> 4) + 1, (cmd[2] & 0x0F) + 1
            elif op == b"V":
                self._cut("full" if cmd[2] in (0, 48, 65, 97) else "partial")
            elif op == b"r":
                reply.append(self._gs_r(cmd[2]))
            elif op == b"I":
                reply.append(0x20)
        elif head == b"\x1c":
            if op == b"&":
                s.kanji = True
            elif op == b".":
                s.kanji = False

    # --- queries for tests -----------------------------------------------------

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.receipts) >= count, timeout)

    def render_png(self, receipt: PrintedReceipt, path: str | Path, *,
                   dots: int = 384, font_path: str | None = None) -> Path:
        """Draw ``receipt`` 1 dot = 1 px (384 dots = 58 mm). RuntimeError without a CJK font."""
        from PIL import Image, ImageDraw, ImageFont

        font_file = font_path or next((f for f in _FONT_CANDIDATES if Path(f).exists()), None)
        if font_file is None:
            raise RuntimeError("no CJK font found to render the receipt")
        fonts = {h: ImageFont.truetype(font_file, 24 * h) for h in (1, 2, 3, 4)}
        y, rows = 8, []
        for line in receipt.lines:
            font = fonts[min(max(line.height, 1), 4)]
            rows.append((line, font, y))
            y += 30 * min(max(line.height, 1), 4)
        img = Image.new("L", (dots, y + 8), 255)
        draw = ImageDraw.Draw(img)
        for line, font, top in rows:
            w = draw.textlength(line.text, font=font)
            x = {1: (dots - w) / 2, 2: dots - w}.get(line.align, 0)
            draw.text((max(0, x), top), line.text, fill=0, font=font,
                      stroke_width=1 if line.bold else 0, stroke_fill=0)
        out = Path(path)
        img.save(out, "PNG")
        return out

    # --- TCP -------------------------------------------------------------------

    def serve_tcp(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> int:
        server = socket.create_server((host, port))
        server.settimeout(_POLL)
        self._sockets.append(server)
        t = threading.Thread(target=self._accept_loop, args=(server,), daemon=True,
                             name="escpos-emu")
        self._threads.append(t)
        t.start()
        return server.getsockname()[1]

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._sockets.append(conn)
            t = threading.Thread(target=self._session, args=(conn,), daemon=True,
                                 name="escpos-emu")
            self._threads.append(t)
            t.start()

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(_POLL)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                answer = self.feed(data)
                if answer:
                    try:
                        conn.sendall(answer)
                    except OSError:
                        return

    def close(self) -> None:
        self._stop.set()
        for s in self._sockets:
            try:
                s.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=1.0)
        self._threads.clear()
        self._sockets.clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="teller-emulate-escpos",
                                 description="ESC/POS receipt printer emulator (模拟凭条打印机)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help="0: any free port")
    ap.add_argument("--paper-out", action="store_true")
    ap.add_argument("--cover-open", action="store_true")
    ap.add_argument("--png-dir", metavar="DIR", help="also save each receipt as a PNG here")
    args = ap.parse_args(argv)
    emu = EscPosPrinterEmulator(paper_out=args.paper_out, cover_open=args.cover_open)
    try:
        port = emu.serve_tcp(args.host, args.port)
        print(f"ESC/POS printer on {args.host}:{port}", flush=True)
        shown = 0
        while True:
            emu.wait_for_receipts(shown + 1, timeout=1.0)
            while shown < len(emu.receipts):
                receipt = emu.receipts[shown]
                shown += 1
                print(f"----- receipt {shown} ({receipt.cut} cut) -----\n{receipt.text}", flush=True)
                if args.png_dir:
                    try:
                        png = emu.render_png(receipt, Path(args.png_dir) / f"receipt-{shown:04d}.png")
                        print(f"saved {png}", flush=True)
                    except RuntimeError as e:
                        print(f"no PNG: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        return 0
    except OSError as e:
        print(f"escpos emulator: {e}", file=sys.stderr)
        return 1
    finally:
        emu.close()


if __name__ == "__main__":
    sys.exit(main())
