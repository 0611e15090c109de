"""A TPP PIN pad emulator: the customer's side of the counter, in software.

It speaks the protocol of :mod:`teller.devices.pinpad.protocol` on TCP (so the real
driver reaches it through pyserial ``socket://host:port``), on a serial URL (one end
of a socat pty pair) or on a pty of its own. Like a real pad it holds master keys,
decrypts loaded working keys and checks their KCV, and answers a PIN request with a
real ISO 9564 format-0 block encrypted under the working key.

The "customer" is whoever calls :meth:`PinPadEmulator.type_keys` /
:meth:`press_enter` / :meth:`press_cancel` — a test, a demo window, or a line on the
control channel (``KEYS 123456``, ``ENTER``, ``PIN 123456``, ``CANCEL``, ``CLEAR``,
``STATUS``).

Demo keys (documented in docs/devices-pinpad.md; never for production):
master key 0 = ``DEMO_MASTER_KEY``; the demo zone working key is ``DEMO_WORKING_KEY``.
"""
from __future__ import annotations

import argparse
import logging
import os
import select
import socket
import sys
import threading
import time
import tty
from dataclasses import dataclass, field
from typing import Callable

from teller.devices.pinpad.protocol import (
    Cmd,
    FrameDecoder,
    FrameError,
    PinResult,
    ReadPinParams,
    Status,
    encode_response,
)
from teller.domain.pin import (
    decrypt_working_key,
    encrypt_pin_block,
    iso9564_format0_clear_block,
    key_check_value,
)

log = logging.getLogger(__name__)

DEMO_MASTER_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
DEMO_WORKING_KEY = bytes.fromhex("89ABCDEF0123456776543210FEDCBA98")
VERSION = "TPP-EMU 1.0"
DEFAULT_PORT = 4701
_POLL = 0.05

Recv = Callable[[float], "bytes | None"]  # b"" = nothing yet, None = peer gone
Send = Callable[[bytes], None]


@dataclass
class _Entry:
    owner: object
    params: ReadPinParams
    deadline: float
    digits: list[str] = field(default_factory=list)
    outcome: Status | None = None
    reported: int = 0  # digit count last sent as a KEY_EVENT


class PinPadEmulator:
    def __init__(self, master_keys: dict[int, bytes] | None = None, *,
                 version: str = VERSION, auto_pin: str | None = None) -> None:
        self._cond = threading.Condition()
        self._master = dict(master_keys if master_keys is not None else {0: DEMO_MASTER_KEY})
        self._working: dict[int, bytes] = {}
        self._entry: _Entry | None = None
        self._version = version
        # Demo mode without a customer: every entry completes with this PIN.
        self.auto_pin = auto_pin
        self.beeps = 0
        self.entries_started = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closers: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"PinPadEmulator(masters={sorted(self._master)})"

    # --- the customer ------------------------------------------------------------

    @property
    def entering(self) -> bool:
        with self._cond:
            return self._entry is not None and self._entry.outcome is None

    def wait_until_entering(self, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: self._entry is not None and self._entry.outcome is None, timeout)

    def type_keys(self, digits: str) -> None:
        """Digit keys; ignored when no entry is running, beyond max length, or not digits."""
        with self._cond:
            e = self._entry
            if e is None or e.outcome is not None:
                return
            for ch in digits:
                if ch.isascii() and ch.isdigit() and len(e.digits) < e.params.max_len:
                    e.digits.append(ch)
                else:
                    self.beeps += 1
            self._cond.notify_all()

    def press_enter(self) -> None:
        with self._cond:
            e = self._entry
            if e is None or e.outcome is not None:
                return
            if len(e.digits) < e.params.min_len:
                self.beeps += 1  # a real pad beeps and keeps waiting
                return
            e.outcome = Status.OK
            self._cond.notify_all()

    def press_cancel(self) -> None:
        with self._cond:
            if self._entry is not None and self._entry.outcome is None:
                self._entry.outcome = Status.CUSTOMER_CANCEL
                self._cond.notify_all()

    def press_clear(self) -> None:
        with self._cond:
            if self._entry is not None and self._entry.outcome is None:
                self._entry.digits.clear()
                self._cond.notify_all()

    def enter_pin(self, digits: str, timeout: float = 5.0) -> bool:
        """Wait for the prompt, type, press Enter; False if no prompt came."""
        if not self.wait_until_entering(timeout):
            return False
        self.type_keys(digits)
        self.press_enter()
        return True

    def working_key_kcv(self, master_index: int = 0) -> str | None:
        with self._cond:
            key = self._working.get(master_index)
        return key_check_value(key) if key is not None else None

    # --- the host side -----------------------------------------------------------

    def _handle(self, body: bytes, session: object) -> list[bytes]:
        cmd, data = body[0], body[1:]
        try:
            name = Cmd(cmd).name
        except ValueError:
            name = f"0x{cmd:02X}"
        log.debug("pinpad-emu < %s", name)
        with self._cond:
            busy = self._entry is not None and cmd not in (Cmd.CANCEL, Cmd.STATUS)
            if cmd == Cmd.STATUS:
                keymap = sum(1 << i for i in self._working)
                state = 1 if self._entry is not None else 0
                return [encode_response(cmd, Status.OK, bytes([state]) + keymap.to_bytes(2, "big")
                                        + self._version.encode("ascii"))]
            if cmd == Cmd.CANCEL:
                out = []
                if self._entry is not None and self._entry.owner is session:
                    self._entry = None
                    out.append(encode_response(Cmd.READ_PIN, Status.HOST_CANCEL))
                    self._cond.notify_all()
                out.append(encode_response(cmd, Status.OK))
                return out
            if busy:
                return [encode_response(cmd, Status.BUSY)]
            if cmd == Cmd.BEEP:
                self.beeps += data[0] if data else 1
                return [encode_response(cmd, Status.OK)]
            if cmd == Cmd.LOAD_WORKING_KEY:
                return [encode_response(cmd, self._load_key(data))]
            if cmd == Cmd.READ_PIN:
                return self._start_entry(data, session)
        return [encode_response(cmd, Status.UNKNOWN_COMMAND)]

    def _load_key(self, data: bytes) -> Status:
        if len(data) < 2 or len(data) != 2 + data[1] + 3 or data[1] not in (8, 16, 24):
            return Status.BAD_LENGTH
        index, klen = data[0], data[1]
        master = self._master.get(index)
        if master is None:
            return Status.NO_MASTER_KEY
        working = decrypt_working_key(master, data[2:2 + klen])
        if key_check_value(working) != data[2 + klen:].hex().upper():
            return Status.KCV_MISMATCH
        self._working[index] = working
        return Status.OK

    def _start_entry(self, data: bytes, session: object) -> list[bytes]:
        try:
            params = ReadPinParams.decode(data)
        except ValueError:
            return [encode_response(Cmd.READ_PIN, Status.BAD_PARAMETER)]
        if params.master_index not in self._working:
            return [encode_response(Cmd.READ_PIN, Status.NO_WORKING_KEY)]
        self._entry = _Entry(session, params, time.monotonic() + params.timeout_s)
        self.entries_started += 1
        self.beeps += 1  # the pad beeps to draw the customer's attention
        self._cond.notify_all()
        if self.auto_pin is not None:
            timer = threading.Timer(0.2, self.enter_pin, args=(self.auto_pin, 1.0))
            timer.daemon = True
            timer.start()
        return []

    def _progress(self, session: object) -> list[bytes]:
        """Key events and the entry's end, for the session that started it."""
        with self._cond:
            e = self._entry
            if e is None or e.owner is not session:
                return []
            out = []
            if len(e.digits) != e.reported:
                e.reported = len(e.digits)
                out.append(encode_response(Cmd.KEY_EVENT, Status.OK, bytes([e.reported])))
            if e.outcome is None and time.monotonic() >= e.deadline:
                e.outcome = Status.ENTRY_TIMEOUT
            if e.outcome is None:
                return out
            self._entry = None
            self._cond.notify_all()
            if e.outcome != Status.OK:
                out.append(encode_response(Cmd.READ_PIN, e.outcome))
                return out
            key = self._working[e.params.master_index]
            clear = iso9564_format0_clear_block("".join(e.digits), e.params.pan)
            e.digits.clear()
            result = PinResult(0, e.params.master_index, bytes.fromhex(key_check_value(key)),
                               encrypt_pin_block(key, clear))
            out.append(encode_response(Cmd.READ_PIN, Status.OK, result.encode()))
            return out

    def serve_stream(self, recv: Recv, send: Send) -> None:
        """Run one host connection until the peer goes away or :meth:`close`."""
        session = object()
        decoder = FrameDecoder()
        try:
            while not self._stop.is_set():
                data = recv(_POLL)
                if data is None:
                    break
                decoder.feed(data)
                while True:
                    try:
                        body = decoder.next_body()
                    except FrameError:
                        send(encode_response(Cmd.BAD_FRAME, Status.BAD_FRAME))
                        continue
                    if body is None:
                        break
                    for frame in self._handle(body, session):
                        send(frame)
                for frame in self._progress(session):
                    send(frame)
        except OSError as e:
            log.debug("pinpad-emu: connection ended: %s", e)
        finally:
            with self._cond:
                if self._entry is not None and self._entry.owner is session:
                    self._entry = None
                    self._cond.notify_all()

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name="pinpad-emu")
        self._threads.append(t)
        t.start()

    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen for hosts (``socket://host:port``); returns the bound port."""
        server = socket.create_server((host, port))
        self._closers.append(server.close)
        self._spawn(self._accept_loop, server, self._tcp_session)
        return server.getsockname()[1]

    def _accept_loop(self, server: socket.socket, handler: Callable[[socket.socket], None]) -> None:
        # close() on a listening socket does not wake accept() on Linux; poll instead.
        server.settimeout(_POLL * 2)
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            self._closers.append(conn.close)
            self._spawn(handler, conn)

    def _tcp_session(self, conn: socket.socket) -> None:
        conn.settimeout(_POLL)

        def recv(_timeout: float) -> bytes | None:
            try:
                data = conn.recv(512)
            except socket.timeout:
                return b""
            except OSError:
                return None
            return data or None

        try:
            self.serve_stream(recv, conn.sendall)
        finally:
            conn.close()

    def serve_serial(self, url: str, baudrate: int = 9600) -> None:
        """Serve on a serial port or pyserial URL (e.g. one end of a socat pty pair)."""
        import serial  # only this mode needs pyserial

        port = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL)
        self._closers.append(port.close)

        def recv(_timeout: float) -> bytes | None:
            try:
                return port.read(512)
            except (serial.SerialException, OSError, TypeError):
                return None

        def send(data: bytes) -> None:
            port.write(data)
            port.flush()

        self._spawn(self.serve_stream, recv, send)

    def serve_pty(self) -> str:
        """Open a pty of our own; returns the slave path for the host to open."""
        master, slave = os.openpty()
        tty.setraw(slave)  # ETX (0x03) must not become ^C in the line discipline
        self._closers += [lambda: os.close(master), lambda: os.close(slave)]

        def recv(timeout: float) -> bytes | None:
            try:
                ready, _, _ = select.select([master], [], [], timeout)
                return os.read(master, 512) if ready else b""
            except (OSError, ValueError):
                return None

        def send(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(master, view):]

        self._spawn(self.serve_stream, recv, send)
        return os.ttyname(slave)

    # --- the control channel -------------------------------------------------------

    def serve_control(self, host: str = "127.0.0.1", port: int = 0) -> int:
        server = socket.create_server((host, port))
        self._closers.append(server.close)
        self._spawn(self._accept_loop, server, self._control_session)
        return server.getsockname()[1]

    def control(self, line: str) -> str:
        """Execute one control command; returns the reply line (without newline)."""
        verb, _, arg = line.strip().partition(" ")
        verb, arg = verb.upper(), arg.strip()
        if verb == "KEYS" and arg.isdigit():
            self.type_keys(arg)
        elif verb == "ENTER":
            self.press_enter()
        elif verb == "PIN" and arg.isdigit():
            if not self.enter_pin(arg):
                return "ERR no PIN entry in progress"
        elif verb == "CANCEL":
            self.press_cancel()
        elif verb == "CLEAR":
            self.press_clear()
        elif verb == "WAIT":
            return "OK" if self.wait_until_entering(float(arg or 5)) else "ERR timeout"
        elif verb == "STATUS":
            with self._cond:
                e = self._entry
                return "OK idle" if e is None else f"OK entering digits={len(e.digits)}"
        else:
            return "ERR unknown command"
        return "OK"

    def _control_session(self, conn: socket.socket) -> None:
        conn.settimeout(_POLL * 2)
        buf = b""
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(256)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        reply = self.control(line.decode("ascii", "replace"))
                        conn.sendall(reply.encode("ascii") + b"\n")

    def close(self) -> None:
        self._stop.set()
        closers, self._closers = self._closers, []
        for close in closers:
            try:
                close()
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=1.0)
        self._threads.clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="teller-emulate-pinpad",
                                 description="TPP PIN pad emulator (模拟密码键盘)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port for the host (0: any)")
    ap.add_argument("--control-port", type=int, default=DEFAULT_PORT + 1)
    ap.add_argument("--serial", metavar="URL", help="also serve on this serial port / URL")
    ap.add_argument("--pty", action="store_true", help="also serve on a new pty")
    ap.add_argument("--master-key", metavar="HEX", help="master key 0 (default: the demo key)")
    ap.add_argument("--auto-pin", metavar="DIGITS", help="complete every entry with this PIN")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    masters = {0: bytes.fromhex(args.master_key)} if args.master_key else None
    emu = PinPadEmulator(masters, auto_pin=args.auto_pin)
    try:
        port = emu.serve_tcp(args.host, args.port)
        cport = emu.serve_control(args.host, args.control_port)
        print(f"PIN pad on socket://{args.host}:{port}  control on {args.host}:{cport}", flush=True)
        if args.serial:
            emu.serve_serial(args.serial)
            print(f"PIN pad on {args.serial}", flush=True)
        if args.pty:
            print(f"PIN pad on {emu.serve_pty()}", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    except OSError as e:
        print(f"pinpad emulator: {e}", file=sys.stderr)
        return 1
    finally:
        emu.close()


if __name__ == "__main__":
    sys.exit(main())
