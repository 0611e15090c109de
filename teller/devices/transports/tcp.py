"""Plain TCP transport (e.g. ESC/POS printers on port 9100, networked PIN pads).

API::

    t = TcpTransport("192.168.1.50", 9100, connect_timeout=3.0, timeout=2.0)
    t.open()                 # NoDevice if refused/unreachable/connect timed out
    t.write(data)            # NoDevice if the peer went away
    t.read(64, timeout=0.5)  # -> b"" .. 64 bytes; NoDevice if the peer closed
    t.read_until(b"\\x06", timeout=2.0, max_size=4096)
    t.is_open; t.close()
"""
from __future__ import annotations

import socket

from teller.devices.errors import NoDevice, Timeout
from teller.devices.transports import DEFAULT_MAX_SIZE, PushbackReader


class TcpTransport:
    def __init__(self, host: str, port: int, connect_timeout: float = 3.0, *,
                 timeout: float = 2.0, write_timeout: float = 5.0) -> None:
        self.host = host
        self.port = int(port)
        self.connect_timeout = connect_timeout
        self.default_timeout = timeout
        self.write_timeout = write_timeout
        self._sock: socket.socket | None = None
        self._reader = PushbackReader(self._raw_read)

    def __repr__(self) -> str:
        return f"TcpTransport({self.host!r}, {self.port})"

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as e:  # includes socket.timeout: an unreachable device is "not found"
            raise NoDevice(detail=f"{self.host}:{self.port}: {e}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._reader.discard()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        self._reader.discard()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _require(self) -> socket.socket:
        if self._sock is None:
            raise NoDevice(detail=f"{self.host}:{self.port}: not open")
        return self._sock

    def write(self, data: bytes) -> None:
        sock = self._require()
        try:
            sock.settimeout(self.write_timeout)
            sock.sendall(data)
        except socket.timeout as e:
            raise Timeout(detail=f"{self.host}:{self.port}: write: {e}") from e
        except OSError as e:
            self.close()
            raise NoDevice(detail=f"{self.host}:{self.port}: {e}") from e

    def _raw_read(self, size: int, timeout: float | None) -> bytes:
        sock = self._require()
        t = self.default_timeout if timeout is None else max(0.0, timeout)
        try:
            sock.settimeout(t if t > 0 else 0.0)
            data = sock.recv(size)
        except (socket.timeout, BlockingIOError):
            return b""
        except OSError as e:
            self.close()
            raise NoDevice(detail=f"{self.host}:{self.port}: {e}") from e
        if not data:
            self.close()
            raise NoDevice(detail=f"{self.host}:{self.port}: connection closed by device")
        return data

    def read(self, size: int, timeout: float | None = None) -> bytes:
        return self._reader.read(size, timeout)

    def read_until(self, terminator: bytes, timeout: float | None = None,
                   max_size: int = DEFAULT_MAX_SIZE) -> bytes:
        self._require()
        return self._reader.read_until(
            terminator, self.default_timeout if timeout is None else timeout, max_size)

    def reset_input(self) -> None:
        """Drop bytes already received but not read."""
        sock = self._require()
        self._reader.discard()
        try:
            sock.settimeout(0.0)
            while sock.recv(4096):
                pass
        except (BlockingIOError, socket.timeout):
            pass
        except OSError as e:
            self.close()
            raise NoDevice(detail=f"{self.host}:{self.port}: {e}") from e
