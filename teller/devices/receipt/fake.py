"""A recording python-escpos printer for byte-exact tests: ``_raw`` records,
``_read`` answers from a script (status bytes for DLE EOT queries)."""
from __future__ import annotations

from collections import deque
from typing import Iterable

from escpos.escpos import Escpos


class RecordingEscpos(Escpos):
    def __init__(self, replies: Iterable[bytes] = ()) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.replies: deque[bytes] = deque(replies)
        self.opened = 0

    def open(self) -> None:
        self.opened += 1

    def close(self) -> None:
        pass

    def _raw(self, msg: bytes) -> None:
        self.writes.append(bytes(msg))

    def _read(self) -> bytes:
        return self.replies.popleft() if self.replies else b""

    @property
    def written(self) -> bytes:
        return b"".join(self.writes)
