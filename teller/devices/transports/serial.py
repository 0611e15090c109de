"""Serial transport over pyserial's ``serial_for_url``.

API::

    t = SerialTransport("/dev/ttyS0" | "COM3" | "/dev/pts/5" | "socket://127.0.0.1:9000"
                        | "rfc2217://host:port", baudrate=9600, bytesize=8, parity="N",
                        stopbits=1, rtscts=False, xonxoff=False, timeout=2.0,
                        write_timeout=5.0)
    t.open()                       # NoDevice if the port cannot be opened
    t.write(b"\\x1bj")              # NoDevice if the port vanished, Timeout if stuck
    t.read(64, timeout=0.5)        # -> b"" .. 64 bytes
    t.read_until(b"\\r\\n", timeout=2.0, max_size=4096)
    t.is_open; t.url; t.close()

Line settings are ignored by network URLs (``socket://``), which is what lets
the same driver run against an emulator on TCP.
"""
from __future__ import annotations

import serial as _pyserial

from teller.devices.errors import NoDevice, Timeout
from teller.devices.transports import DEFAULT_MAX_SIZE, PushbackReader


class SerialTransport:
    def __init__(self, url: str, baudrate: int = 9600, *, bytesize: int = 8,
                 parity: str = "N", stopbits: float = 1, rtscts: bool = False,
                 xonxoff: bool = False, timeout: float = 2.0,
                 write_timeout: float = 5.0) -> None:
        self.url = url
        self.baudrate = baudrate
        self._settings = dict(baudrate=baudrate, bytesize=bytesize, parity=parity,
                              stopbits=stopbits, rtscts=rtscts, xonxoff=xonxoff,
                              write_timeout=write_timeout)
        self.default_timeout = timeout
        self._port: _pyserial.SerialBase | None = None
        self._reader = PushbackReader(self._raw_read)

    def __repr__(self) -> str:
        return f"SerialTransport({self.url!r}, baudrate={self.baudrate})"

    @property
    def is_open(self) -> bool:
        return self._port is not None and self._port.is_open

    def open(self) -> None:
        if self.is_open:
            return
        try:
            port = _pyserial.serial_for_url(self.url, do_not_open=True,
                                            timeout=self.default_timeout, **self._settings)
            port.open()
        except (_pyserial.SerialException, OSError, ValueError) as e:
            raise NoDevice(detail=f"{self.url}: {e}") from e
        self._port = port
        self._reader.discard()

    def close(self) -> None:
        port, self._port = self._port, None
        self._reader.discard()
        if port is not None:
            try:
                port.close()
            except Exception:  # closing a vanished port may fail; it is gone either way
                pass

    def _require(self) -> _pyserial.SerialBase:
        if not self.is_open:
            raise NoDevice(detail=f"{self.url}: not open")
        return self._port  # type: ignore[return-value]

    def _lost(self, e: Exception) -> NoDevice:
        # A port that failed mid-I/O (USB adapter unplugged, peer closed the
        # socket) is unusable; close it so reconnect() starts clean.
        self.close()
        return NoDevice(detail=f"{self.url}: {e}")

    def write(self, data: bytes) -> None:
        port = self._require()
        try:
            port.write(data)
            port.flush()
        except _pyserial.SerialTimeoutException as e:
            raise Timeout(detail=f"{self.url}: write: {e}") from e
        except (_pyserial.SerialException, OSError) as e:
            raise self._lost(e) from e

    def _raw_read(self, size: int, timeout: float | None) -> bytes:
        port = self._require()
        t = self.default_timeout if timeout is None else max(0.0, timeout)
        try:
            if port.timeout != t:
                port.timeout = t
            # Ask for one byte first, then drain what is already buffered: a
            # plain read(size) would wait the whole timeout for a short reply.
            first = port.read(1)
            if not first or size <= 1:
                return first
            buf = bytearray(first)
            # socket:// reports in_waiting as 0/1 (readable or not), so loop.
            while len(buf) < size:
                waiting = port.in_waiting
                if not waiting:
                    break
                buf += port.read(min(waiting, size - len(buf)))
            return bytes(buf)
        except (_pyserial.SerialException, OSError) as e:
            raise self._lost(e) from e

    def read(self, size: int, timeout: float | None = None) -> bytes:
        return self._reader.read(size, timeout)

    def read_until(self, terminator: bytes, timeout: float | None = None,
                   max_size: int = DEFAULT_MAX_SIZE) -> bytes:
        self._require()
        return self._reader.read_until(
            terminator, self.default_timeout if timeout is None else timeout, max_size)

    def reset_input(self) -> None:
        """Drop stale bytes (e.g. a late reply to a timed-out command)."""
        port = self._require()
        self._reader.discard()
        try:
            port.reset_input_buffer()
        except (_pyserial.SerialException, OSError) as e:
            raise self._lost(e) from e
