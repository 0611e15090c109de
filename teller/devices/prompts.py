"""Prompts: how a driver asks the human to do something, without importing the GUI.

API::

    class Prompts(Protocol):
        def show(self, message_key: str, text: str) -> None: ...
        def clear(self) -> None: ...

    prompt_text(key, lang="zh_CN", **params) -> str   # catalogue lookup
    ask(prompts, key, **params)                        # show(key, prompt_text(key, ...)); None-safe
    ConsolePrompts(stream=sys.stderr)                  # prints "[key] text"
    RecordingPrompts()                                 # .shown: list[(key, text)], .current, .cleared

Known keys (others are allowed; the GUI shows ``text`` as given):
``insert_passbook`` 请插入存折, ``turn_page`` 请翻到第{n}页后重新插入,
``pin_entry`` 请客户在密码键盘上输入密码, ``remove_card`` 请取卡,
``remove_passbook`` 请取走存折, ``insert_card`` 请插入卡片,
``swipe_passbook`` 请刷存折磁条.

``show`` is called on the device thread; a GUI implementation must marshal to
its own thread and must not block.
"""
from __future__ import annotations

import sys
import threading
from typing import Protocol, TextIO, runtime_checkable

CATALOGUE: dict[str, tuple[str, str]] = {
    "insert_passbook": ("请插入存折", "Insert the passbook"),
    "turn_page": ("请翻到第{n}页后重新插入", "Turn to page {n} and insert the passbook again"),
    "pin_entry": ("请客户在密码键盘上输入密码", "Ask the customer to enter the PIN on the PIN pad"),
    "remove_card": ("请取卡", "Take the card out"),
    "insert_card": ("请插入卡片", "Insert the card"),
    "remove_passbook": ("请取走存折", "Take the passbook"),
    "swipe_passbook": ("请刷存折磁条", "Swipe the passbook's magnetic stripe"),
}


@runtime_checkable
class Prompts(Protocol):
    def show(self, message_key: str, text: str) -> None: ...
    def clear(self) -> None: ...


def prompt_text(key: str, lang: str = "zh_CN", **params: object) -> str:
    zh, en = CATALOGUE.get(key, (key, key))
    template = en if lang.startswith("en") else zh
    return template.format(**params)


def ask(prompts: Prompts | None, key: str, **params: object) -> None:
    """Show a catalogue prompt; drivers call this so a missing handler is harmless."""
    if prompts is not None:
        prompts.show(key, prompt_text(key, **params))


class ConsolePrompts:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def show(self, message_key: str, text: str) -> None:
        out = self._stream or sys.stderr
        print(f"[{message_key}] {text}", file=out, flush=True)

    def clear(self) -> None:
        pass


class RecordingPrompts:
    """Keeps what was shown, in order; for tests and headless runs."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.current: tuple[str, str] | None = None
        self.cleared = 0
        self._lock = threading.Lock()

    def show(self, message_key: str, text: str) -> None:
        with self._lock:
            self.shown.append((message_key, text))
            self.current = (message_key, text)

    def clear(self) -> None:
        with self._lock:
            self.current = None
            self.cleared += 1

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.shown]
