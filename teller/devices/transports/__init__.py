"""Transports move bytes and nothing else; protocols are composed over them.

A transport is anything with ``write(data)``, ``read(n, timeout)`` and ``close()``
(see :class:`Transport`). Opening happens in ``open()``, never on attribute
access, and there is no ``__del__``: the owner closes what it opened.
"""
from __future__ import annotations

from typing import Protocol


class Transport(Protocol):
    def open(self) -> None: ...
    def close(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def read(self, size: int, timeout: float | None = None) -> bytes:
        """Return up to ``size`` bytes; fewer (possibly none) when ``timeout`` passes."""
        ...
    @property
    def is_open(self) -> bool: ...
