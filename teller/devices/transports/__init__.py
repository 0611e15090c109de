"""Transports move bytes and nothing else; protocols are composed over them.

A transport is anything shaped like :class:`Transport`. Opening happens in
``open()``, never on attribute access, and there is no ``__del__``: the owner
closes what it opened.

Contract every transport keeps (drivers rely on it):

* ``open()`` raises :class:`~teller.devices.errors.NoDevice` when the port or
  host cannot be opened. Calling it on an open transport is a no-op.
* ``close()`` never raises and may be called any number of times.
* ``write(data)`` sends all of ``data`` or raises ``NoDevice`` (port vanished /
  not open) or ``Timeout`` (the device stopped taking bytes).
* ``read(size, timeout)`` returns 1..``size`` bytes as soon as any arrive, or
  ``b""`` when ``timeout`` seconds pass in silence; ``timeout=None`` means the
  transport's own default, never "block forever". A vanished device raises
  ``NoDevice``.
* ``read_until(terminator, timeout, max_size)`` returns the bytes up to and
  including ``terminator``; raises ``Timeout`` if it does not come in time and
  ``MalformedData`` if ``max_size`` bytes pass without it. Bytes after the
  terminator stay buffered for the next read.

Implementations: :mod:`.serial` (pyserial URLs: ``/dev/ttyS0``, ``COM3``,
``socket://host:port``, ``rfc2217://``...), :mod:`.tcp` (plain TCP, e.g. ESC/POS
on port 9100) and :mod:`.recording` (a scripted fake for byte-exact tests).
"""
from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

from teller.devices.errors import MalformedData, Timeout

DEFAULT_MAX_SIZE = 4096


@runtime_checkable
class Transport(Protocol):
    def open(self) -> None: ...
    def close(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def read(self, size: int, timeout: float | None = None) -> bytes:
        """Return up to ``size`` bytes; fewer (possibly none) when ``timeout`` passes."""
        ...
    def read_until(self, terminator: bytes, timeout: float | None = None,
                   max_size: int = DEFAULT_MAX_SIZE) -> bytes: ...
    @property
    def is_open(self) -> bool: ...


class PushbackReader:
    """``read_until`` built on a transport's raw read, shared by every transport.

    Reading byte-at-a-time would be simpler but costs a syscall (and, over
    ``socket://``, a select) per byte; instead we read in chunks and keep what
    follows the terminator for the next call.
    """

    def __init__(self, raw_read) -> None:
        self._raw_read = raw_read
        self._pending = bytearray()

    def discard(self) -> None:
        self._pending.clear()

    def read(self, size: int, timeout: float | None) -> bytes:
        if self._pending:
            out = bytes(self._pending[:size])
            del self._pending[:size]
            return out
        return self._raw_read(size, timeout)

    def read_until(self, terminator: bytes, timeout: float, max_size: int) -> bytes:
        if not terminator:
            raise ValueError("terminator must not be empty")
        deadline = time.monotonic() + timeout
        buf = bytearray(self._pending)
        self._pending.clear()
        while True:
            idx = buf.find(terminator)
            if idx >= 0:
                end = idx + len(terminator)
                self._pending[:0] = buf[end:]
                return bytes(buf[:end])
            if len(buf) >= max_size:
                raise MalformedData(detail=f"no terminator {terminator!r} in {len(buf)} bytes: "
                                           f"{bytes(buf[:64])!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                # Keep the partial frame: the caller may decide to resync on it.
                self._pending[:0] = buf
                raise Timeout(detail=f"waiting for {terminator!r}, got {bytes(buf[:64])!r}")
            buf += self._raw_read(max(1, min(256, max_size - len(buf))), left)
