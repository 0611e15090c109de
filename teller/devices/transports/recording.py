"""A scripted fake transport for byte-exact driver tests.

API::

    t = RecordingTransport(replies=[b"\\x1br0", b"\\x06", ...])
    t.open()
    driver.do_something()
    assert t.writes == [b"\\x1bj", ...]      # one entry per write() call
    assert t.written == b"".join(t.writes)

Each ``write()`` releases the next scripted reply into the read buffer (use
``b""`` for a command the device does not answer). A reply may also be an
exception instance, raised by the next read instead of returning bytes, or a
callable ``f(written: bytes) -> bytes`` for replies that echo what was sent.
``feed(data)`` puts bytes in the read buffer at once (unsolicited data, e.g. a
key press). With nothing buffered, ``read`` waits out its timeout like a
silent device would (so keep test timeouts small).
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Callable, Iterable, Union

from teller.devices.errors import NoDevice
from teller.devices.transports import DEFAULT_MAX_SIZE, PushbackReader

Reply = Union[bytes, BaseException, Callable[[bytes], bytes]]


class RecordingTransport:
    def __init__(self, replies: Iterable[Reply] = (), *, default_timeout: float = 0.2) -> None:
        self.writes: list[bytes] = []
        self.open_count = 0
        self.close_count = 0
        self.default_timeout = default_timeout
        self._replies: deque[Reply] = deque(replies)
        self._buffer: deque[bytes | BaseException] = deque()
        self._cond = threading.Condition()
        self._open = False
        self._reader = PushbackReader(self._raw_read)
        self.fail_open: BaseException | None = None

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def written(self) -> bytes:
        return b"".join(self.writes)

    @property
    def unused_replies(self) -> int:
        return len(self._replies)

    def open(self) -> None:
        if self.fail_open is not None:
            raise self.fail_open
        if not self._open:
            self._open = True
            self.open_count += 1

    def close(self) -> None:
        if self._open:
            self._open = False
            self.close_count += 1
        self._reader.discard()

    def script(self, *replies: Reply) -> None:
        """Append replies for later writes."""
        self._replies.extend(replies)

    def feed(self, data: bytes | BaseException) -> None:
        with self._cond:
            self._buffer.append(data)
            self._cond.notify_all()

    def write(self, data: bytes) -> None:
        if not self._open:
            raise NoDevice(detail="recording transport: not open")
        data = bytes(data)
        self.writes.append(data)
        if self._replies:
            reply = self._replies.popleft()
            if callable(reply) and not isinstance(reply, BaseException):
                reply = reply(data)
            if isinstance(reply, BaseException) or reply:
                self.feed(reply)

    def _raw_read(self, size: int, timeout: float | None) -> bytes:
        if not self._open:
            raise NoDevice(detail="recording transport: not open")
        t = self.default_timeout if timeout is None else timeout
        with self._cond:
            if not self._buffer:
                self._cond.wait_for(lambda: bool(self._buffer), timeout=max(0.0, t))
            if not self._buffer:
                return b""
            head = self._buffer.popleft()
            if isinstance(head, BaseException):
                raise head
            if len(head) > size:
                self._buffer.appendleft(head[size:])
                head = head[:size]
            return head

    def read(self, size: int, timeout: float | None = None) -> bytes:
        return self._reader.read(size, timeout)

    def read_until(self, terminator: bytes, timeout: float | None = None,
                   max_size: int = DEFAULT_MAX_SIZE) -> bytes:
        return self._reader.read_until(
            terminator, self.default_timeout if timeout is None else timeout, max_size)

    def reset_input(self) -> None:
        self._reader.discard()
        with self._cond:
            self._buffer.clear()
