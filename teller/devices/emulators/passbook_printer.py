"""PR2-style passbook printer emulator (ships with the product for demo mode and tests).

Speaks the protocol in docs/devices.md ("Passbook printer (PR2 subset)") on TCP
(reachable through pyserial ``socket://``), on its own pty, or on any pyserial
URL such as one end of a socat pty pair.

API::

    emu = PassbookPrinterEmulator(host="127.0.0.1", port=0, profile=None)
    port = emu.start()             # TCP; returns the bound port
    path = emu.start_pty()         # own os.openpty(); returns the tty path to open
    emu.attach("/tmp/ttyB")        # serve on a pyserial URL (e.g. a socat pty end)
    emu.stop()

    emu.insert_book(stripe="6228...=0001", pages=20, open_page=1, stripe_readable=True)
    emu.turn_to(page)              # the teller turned the page and reinserted
    emu.remove_book() -> Book | None
    emu.jam_at(line_no)            # the next print of that in-page line jams
    emu.clear_jam()                # teller freed the book; it is still inserted
    emu.open_cover(); emu.close_cover(); emu.set_offline(bool)
    emu.fail_next_stripe_write()
    emu.printed_pages() -> {page: {line_no: text}}   # the current (or last) book
    emu.book -> Book | None; emu.commands -> list[bytes] (every command received)
    emu.render_png(path, page=None) -> Path          # PIL (a reportlab dependency)

Run standalone: ``python -m teller.devices.emulators.passbook_printer --port 9101
--stripe 6228480012345678901=0001`` (or ``--pty``).
"""
from __future__ import annotations

import argparse
import os
import select
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from teller.devices.passbook import protocol as P
from teller.devices.passbook.profile import PassbookProfile, load_profile


@dataclass
class Book:
    stripe: str
    pages: int = 20
    open_page: int = 1
    stripe_readable: bool = True
    inserted: bool = True
    printed: dict[int, dict[int, str]] = field(default_factory=dict)


class _Session:
    """Parser state for one connection: bytes in, replies out."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.line_abs = 0
        self.col = 1
        self.cells: list[tuple[int, bytes]] = []
        self.pending = bytearray()
        self.stripe_pending: str | None = None

    def flush_segment(self) -> None:
        if self.pending:
            self.cells.append((self.col, bytes(self.pending)))
            self.pending.clear()


class PassbookPrinterEmulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 profile: PassbookProfile | None = None) -> None:
        self.host = host
        self.port = port
        self.profile = profile or load_profile("passbook_pr2")
        self.book: Book | None = None
        self.commands: list[bytes] = []
        self._jam_line: int | None = None
        self._jammed = False
        self._cover_open = False
        self._offline = False
        self._fail_stripe_write = False
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._fds: list[int] = []
        self._serials: list = []
        self.pty_path: str | None = None

    # --- control API ------------------------------------------------------------

    def insert_book(self, stripe: str, pages: int = 20, open_page: int = 1,
                    stripe_readable: bool = True) -> Book:
        with self._lock:
            self.book = Book(stripe, pages, open_page, stripe_readable)
            return self.book

    def turn_to(self, page: int) -> None:
        with self._lock:
            if self.book is None:
                raise RuntimeError("no book")
            if not 1 <= page <= self.book.pages:
                raise ValueError(f"the book has {self.book.pages} pages")
            self.book.open_page = page
            self.book.inserted = True

    def reinsert(self) -> None:
        with self._lock:
            if self.book is not None:
                self.book.inserted = True

    def remove_book(self) -> Book | None:
        with self._lock:
            if self.book is not None:
                self.book.inserted = False
            return self.book

    def jam_at(self, line_no: int) -> None:
        with self._lock:
            self._jam_line = line_no

    def clear_jam(self) -> None:
        with self._lock:
            self._jammed = False

    def open_cover(self) -> None:
        with self._lock:
            self._cover_open = True

    def close_cover(self) -> None:
        with self._lock:
            self._cover_open = False

    def set_offline(self, offline: bool = True) -> None:
        with self._lock:
            self._offline = offline

    def fail_next_stripe_write(self) -> None:
        with self._lock:
            self._fail_stripe_write = True

    def printed_pages(self) -> dict[int, dict[int, str]]:
        with self._lock:
            if self.book is None:
                return {}
            return {p: dict(lines) for p, lines in self.book.printed.items()}

    # --- protocol -------------------------------------------------------------

    def _status_name(self) -> str:
        if self._offline:
            return "offline"
        if self._cover_open:
            return "cover_open"
        if self._jammed:
            return "jammed"
        if self.book is not None and self.book.inserted:
            return "media_present"
        return "no_media"

    def _status(self, name: str | None = None) -> bytes:
        return P.ESC + b"r" + self.profile.status_letter(name or self._status_name()).encode()

    def feed(self, s: _Session, data: bytes) -> bytes:
        """Consume bytes from the host; return the reply bytes."""
        out = bytearray()
        with self._lock:
            s.buf += data
            while s.buf:
                n = self._step(s, out)
                if n == 0:
                    break
                del s.buf[:n]
        return bytes(out)

    def _step(self, s: _Session, out: bytearray) -> int:
        b = s.buf
        if b[0] != 0x1B:
            if b[:2] == P.CRLF:
                out += self._print_line(s)
                return 2
            if b[0] == 0x0D and len(b) == 1:
                return 0  # LF may follow in the next chunk
            s.pending.append(b[0])
            return 1
        if len(b) < 2:
            return 0
        cmd = bytes(b[:2])
        if cmd in (P.RESET, P.STATUS, P.EJECT, P.READ_STRIPE, P.WRITE_STRIPE_END, P.PAGE_QUERY):
            self.commands.append(cmd)
            out += self._simple(s, cmd)
            return 2
        if cmd in (P.ESC + b"L", P.ESC + b"C"):
            if len(b) < 5:
                return 0
            digits = bytes(b[2:5])
            self.commands.append(bytes(b[:5]))
            if not digits.isdigit():
                out += P.NAK
            elif cmd == P.ESC + b"L":
                s.flush_segment()
                s.line_abs, s.col, s.cells = int(digits), 1, []
            else:
                s.flush_segment()
                s.col = int(digits)
            return 5
        if cmd == P.ESC + b"t":
            end = b.find(P.GS)
            if end < 0:
                return 0 if len(b) < 256 else len(b)
            s.stripe_pending = bytes(b[2:end]).decode("ascii", "replace")
            self.commands.append(bytes(b[:end + 1]))
            return end + 1
        self.commands.append(cmd)
        out += P.NAK
        return 2

    def _simple(self, s: _Session, cmd: bytes) -> bytes:
        name = self._status_name()
        if cmd == P.RESET:
            s.__init__()
            return self._status()
        if cmd == P.STATUS:
            return self._status()
        if name != "media_present":
            return self._status()
        book = self.book
        assert book is not None
        if cmd == P.EJECT:
            book.inserted = False
            return self._status()
        if cmd == P.PAGE_QUERY:
            return P.ESC + b"P" + b"%02d" % book.open_page
        if cmd == P.READ_STRIPE:
            data = book.stripe.encode("ascii")
            if not book.stripe_readable:
                data = bytes([P.UNREADABLE]) * min(3, len(data)) + data[3:]
            return P.ESC + b"s" + data + P.FS
        # WRITE_STRIPE_END
        pending, s.stripe_pending = s.stripe_pending, None
        if self._fail_stripe_write or pending is None:
            self._fail_stripe_write = False
            return self._status("stripe_error")
        book.stripe = pending
        book.stripe_readable = True
        return self._status()

    def _print_line(self, s: _Session) -> bytes:
        s.flush_segment()
        cells, s.cells, s.col = s.cells, [], 1
        line_abs = s.line_abs
        s.line_abs += 1  # CR LF also feeds one line, as on the real head
        self.commands.append(b"<line %03d>" % line_abs)
        name = self._status_name()
        if name != "media_present":
            return self._status()
        line_no = self.profile.line_of(line_abs)
        if line_no is None:
            return P.NAK
        if self._jam_line == line_no:
            self._jam_line = None
            self._jammed = True
            return self._status()
        text = ""
        for col, raw in cells:
            piece = raw.decode(self.profile.encoding, "replace")
            text += " " * max(0, col - 1 - P.cell_width(text)) + piece
        book = self.book
        assert book is not None
        book.printed.setdefault(book.open_page, {})[line_no] = text
        return P.ACK

    # --- serving ----------------------------------------------------------------

    def _spawn(self, target: Callable, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name="pr2-emulator")
        t.start()
        self._threads.append(t)

    def start(self) -> int:
        self._stop.clear()
        srv = socket.create_server((self.host, self.port))
        srv.settimeout(0.2)
        self._server = srv
        self.port = srv.getsockname()[1]
        self._spawn(self._accept_loop, srv)
        return self.port

    def _accept_loop(self, srv: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._conns.append(conn)
            self._spawn(self._serve_socket, conn)

    def _serve_socket(self, conn: socket.socket) -> None:
        session = _Session()
        conn.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    continue
                if not data:
                    return
                reply = self.feed(session, data)
                if reply:
                    conn.sendall(reply)
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def start_pty(self) -> str:
        import tty
        self._stop.clear()
        master, slave = os.openpty()
        tty.setraw(slave)
        self._fds += [master, slave]
        self.pty_path = os.ttyname(slave)
        self._spawn(self._serve_fd, master)
        return self.pty_path

    def _serve_fd(self, fd: int) -> None:
        session = _Session()
        while not self._stop.is_set():
            try:
                r, _, _ = select.select([fd], [], [], 0.2)
                if not r:
                    continue
                data = os.read(fd, 4096)
            except OSError:
                # EIO while no host has the slave open; wait for one to come back.
                if self._stop.wait(0.1):
                    return
                continue
            reply = self.feed(session, data)
            if reply:
                os.write(fd, reply)

    def attach(self, url: str, baudrate: int | None = None) -> None:
        import serial
        self._stop.clear()
        port = serial.serial_for_url(url, baudrate=baudrate or self.profile.baudrate, timeout=0.2)
        self._serials.append(port)
        self._spawn(self._serve_serial, port)

    def _serve_serial(self, port) -> None:
        session = _Session()
        while not self._stop.is_set():
            try:
                data = port.read(1)
                if data and port.in_waiting:
                    data += port.read(port.in_waiting)
            except Exception:
                return
            if data:
                reply = self.feed(session, data)
                if reply:
                    port.write(reply)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.close()
            self._server = None
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self._threads:
            t.join(2)
        for c in self._conns:
            c.close()
        for p in self._serials:
            p.close()
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._threads, self._conns, self._serials, self._fds = [], [], [], []

    # --- rendering --------------------------------------------------------------

    def render_png(self, path: str | Path, page: int | None = None) -> Path:
        """Draw one printed page as the book would look (PIL ships with reportlab)."""
        from teller.devices.emulators._render import render_page
        with self._lock:
            pages = self.printed_pages()
            if page is None:
                page = self.book.open_page if self.book else 1
        return render_page(Path(path), self.profile, pages.get(page, {}), page)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="PR2-style passbook printer emulator")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9101)
    ap.add_argument("--pty", action="store_true", help="serve on a new pty instead of TCP")
    ap.add_argument("--attach", metavar="URL", help="serve on a pyserial URL, e.g. /tmp/ttyB")
    ap.add_argument("--profile", default="passbook_pr2")
    ap.add_argument("--stripe", help="insert a book with this stripe, e.g. 6228...=0001")
    ap.add_argument("--pages", type=int, default=20)
    args = ap.parse_args(argv)
    emu = PassbookPrinterEmulator(args.host, args.port, load_profile(args.profile))
    if args.stripe:
        emu.insert_book(args.stripe, pages=args.pages)
    if args.pty:
        print(f"passbook printer emulator on {emu.start_pty()}", flush=True)
    elif args.attach:
        emu.attach(args.attach)
        print(f"passbook printer emulator on {args.attach}", flush=True)
    else:
        print(f"passbook printer emulator on socket://{args.host}:{emu.start()}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
