"""Passbook printer with magnetic stripe (Olivetti PR2-style subset), over any transport.

API::

    printer = PassbookPrinter(transport, profile, prompts=None)
    printer.open(); printer.close()            # open/close the transport
    printer.reset() -> DeviceStatus
    printer.status() -> DeviceStatus            # raises NoDevice/Timeout if unreachable
    printer.wait_for_media(timeout=None, cancel=None, page=None) -> None
    printer.read_stripe(timeout=None, cancel=None) -> StripeData(account, book_no, raw)
    printer.write_stripe(account, book_no, *, verify=True, cancel=None) -> StripeData
    printer.print_lines(page, lines: Sequence[PassbookLine], cancel=None,
                        media_timeout=None) -> list[int]
    printer.eject() -> DeviceStatus

``print_lines`` returns the in-page line numbers the printer acknowledged, in
print order. When it fails (NoMedia, MediaJam, CoverOpen, DeviceOffline,
WrongPage, Timeout, NoDevice, Cancelled...) the raised error carries
``.confirmed``: the lines acknowledged before the fault, so the caller moves
its "last printed" pointer only over those and resumes from the first
unconfirmed line (DOMAIN §6).

Every command goes out through ``_raw`` (one write per command, so a recording
transport sees the exact frames). Waiting for the book polls status and checks
``cancel`` between polls; a teller's cancel therefore ends the wait within one
poll interval.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Sequence

from teller.devices.errors import (Cancelled, CoverOpen, DeviceBusy, DeviceError, DeviceOffline,
                                   DeviceStatus, MalformedData, MediaJam, NoMedia,
                                   StripeUnreadable, StripeWriteFailed, WrongPage)
from teller.devices.passbook import protocol as P
from teller.devices.passbook.profile import PassbookProfile
from teller.devices.prompts import Prompts, ask

_STATUS = {
    "no_media": DeviceStatus.NO_MEDIA,
    "media_present": DeviceStatus.MEDIA_PRESENT,
    "jammed": DeviceStatus.JAMMED,
    "cover_open": DeviceStatus.COVER_OPEN,
    "offline": DeviceStatus.ERROR,
    "stripe_error": DeviceStatus.ERROR,
    "busy": DeviceStatus.BUSY,
}

_FAULT = {
    "no_media": NoMedia,
    "jammed": MediaJam,
    "cover_open": CoverOpen,
    "offline": DeviceOffline,
    "stripe_error": StripeUnreadable,
    "busy": DeviceBusy,
}


@dataclass(frozen=True)
class PassbookLine:
    line_no: int            # 1-based line within the page
    text: str = ""          # printed from column 1 when ``cells`` is empty
    cells: tuple[tuple[int, str], ...] = ()  # (start column, text) pairs, placed by ESC C


@dataclass(frozen=True)
class StripeData:
    account: str
    book_no: str
    raw: str


def columns_line(profile: PassbookProfile, line_no: int, values: dict[str, str]) -> PassbookLine:
    """Build a line from named column values, each cut to its column width."""
    cells = tuple((c.start, P.fit(str(values[c.name]), c.width))
                  for c in profile.columns if values.get(c.name))
    return PassbookLine(line_no, cells=cells)


class PassbookPrinter:
    def __init__(self, transport, profile: PassbookProfile,
                 prompts: Prompts | None = None) -> None:
        self.transport = transport
        self.profile = profile
        self.prompts = prompts

    def __repr__(self) -> str:
        return f"PassbookPrinter({self.transport!r}, {self.profile.name!r})"

    # --- plumbing -------------------------------------------------------------

    def open(self) -> None:
        self.transport.open()

    def close(self) -> None:
        self.transport.close()

    def _raw(self, data: bytes) -> None:
        self.transport.write(data)

    def _reply(self, timeout: float | None = None) -> P.Reply:
        return P.read_reply(self.transport, self.profile.reply_timeout if timeout is None
                            else timeout)

    def _flush_input(self) -> None:
        # A reply that arrived after an earlier timeout would otherwise be
        # taken as the answer to the next command.
        reset = getattr(self.transport, "reset_input", None)
        if reset is not None:
            reset()

    def _letter_name(self, letter: str) -> str:
        name = self.profile.status_name(letter)
        if name is None:
            raise MalformedData(detail=f"unknown status letter {letter!r}")
        return name

    def _fault(self, reply: P.Reply, during: str) -> DeviceError:
        if reply.kind == "nak":
            return MalformedData(detail=f"printer rejected {during}")
        if reply.kind != "status":
            return MalformedData(detail=f"unexpected {reply.kind} reply to {during}")
        name = self._letter_name(reply.value)
        cls = _FAULT.get(name)
        if cls is None:
            return MalformedData(detail=f"status {name} is not a fault ({during})")
        return cls(detail=f"{during}: status {reply.value!r} ({name})")

    def _status_reply(self, command: bytes, what: str) -> str:
        self._raw(command)
        reply = self._reply()
        if reply.kind != "status":
            raise self._fault(reply, what)
        return self._letter_name(reply.value)

    # --- commands -------------------------------------------------------------

    def reset(self) -> DeviceStatus:
        self._flush_input()
        return _STATUS[self._status_reply(P.RESET, "reset")]

    def status(self) -> DeviceStatus:
        self._flush_input()
        return _STATUS[self._status_reply(P.STATUS, "status")]

    def eject(self) -> DeviceStatus:
        self._flush_input()
        name = self._status_reply(P.EJECT, "eject")
        if name in ("jammed", "cover_open", "offline"):
            raise _FAULT[name](detail=f"eject: {name}")
        return _STATUS[name]

    def wait_for_media(self, timeout: float | None = None,
                       cancel: threading.Event | None = None, page: int | None = None) -> None:
        """Return once a book is in; prompt the teller while waiting.

        Faults that need the teller (jam, cover open, offline) end the wait at
        once: waiting would hide them behind an "insert passbook" prompt.
        """
        self._await_media(timeout, cancel, turn_to=page if page is not None and page > 1
                          else None)

    def _await_media(self, timeout: float | None, cancel: threading.Event | None,
                     turn_to: int | None) -> None:
        timeout = self.profile.media_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        prompted = False
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                self._flush_input()
                name = self._status_reply(P.STATUS, "status")
                if name == "media_present":
                    return
                if name not in ("no_media", "busy"):
                    raise _FAULT[name](detail=f"waiting for the passbook: {name}")
                if not prompted:
                    if turn_to is not None:
                        ask(self.prompts, "turn_page", n=turn_to)
                    else:
                        ask(self.prompts, "insert_passbook")
                    prompted = True
                left = deadline - time.monotonic()
                if left <= 0:
                    raise NoMedia(detail=f"no passbook inserted within {timeout}s")
                interval = min(self.profile.poll_interval, left)
                if cancel is not None:
                    if cancel.wait(interval):
                        raise Cancelled()
                else:
                    time.sleep(interval)
        finally:
            if prompted and self.prompts is not None:
                self.prompts.clear()

    def current_page(self) -> int:
        """The page the inserted book is open at (profiles with page_detect)."""
        self._flush_input()
        self._raw(P.PAGE_QUERY)
        reply = self._reply()
        if reply.kind != "page":
            raise self._fault(reply, "page query")
        return int(reply.value)

    def read_stripe(self, timeout: float | None = None,
                    cancel: threading.Event | None = None) -> StripeData:
        self.wait_for_media(timeout, cancel)
        self._flush_input()
        self._raw(P.READ_STRIPE)
        reply = self._reply()
        if reply.kind != "stripe":
            raise self._fault(reply, "read stripe")
        return self._parse_stripe(reply.value)

    def _parse_stripe(self, raw: str) -> StripeData:
        if chr(P.UNREADABLE) in raw or not raw:
            raise StripeUnreadable(detail=f"{raw.count(chr(P.UNREADABLE))} unreadable characters")
        sep = self.profile.stripe_separator
        account, _, rest = raw.partition(sep)
        book_no = rest.split(sep, 1)[0]
        if not account.isdigit() or (book_no and not book_no.isdigit()):
            raise MalformedData(message="磁条数据格式错误", message_en="Stripe data is malformed",
                                detail=repr(raw))
        return StripeData(account, book_no, raw)

    def stripe_text(self, account: str, book_no: str) -> str:
        if not account.isdigit() or not book_no.isdigit():
            raise ValueError("account and book number must be digits")
        raw = f"{account}{self.profile.stripe_separator}{book_no}"
        if len(raw) > self.profile.stripe_max_length:
            raise ValueError(f"stripe data longer than {self.profile.stripe_max_length}")
        return raw

    def write_stripe(self, account: str, book_no: str, *, verify: bool = True,
                     timeout: float | None = None,
                     cancel: threading.Event | None = None) -> StripeData:
        raw = self.stripe_text(account, book_no)
        self.wait_for_media(timeout, cancel)
        self._flush_input()
        self._raw(P.write_stripe(raw))
        self._raw(P.WRITE_STRIPE_END)
        reply = self._reply(self.profile.line_timeout)
        if reply.kind != "status":
            raise self._fault(reply, "write stripe")
        name = self._letter_name(reply.value)
        if name == "stripe_error":
            raise StripeWriteFailed(detail="printer reported a stripe write error")
        if name != "media_present":
            raise _FAULT.get(name, MalformedData)(detail=f"write stripe: {name}")
        if verify:
            self._raw(P.READ_STRIPE)
            back = self._reply()
            if back.kind != "stripe" or back.value != raw:
                raise StripeWriteFailed(detail=f"read back {back.value!r}, wrote {raw!r}")
        return StripeData(account, book_no, raw)

    def line_bytes(self, line: PassbookLine) -> bytes:
        """The exact frame for one line: position, text (GB18030), CR LF."""
        out = bytearray(P.position_line(self.profile.absolute_line(line.line_no)))
        cells = line.cells or ((1, line.text),)
        for start, text in cells:
            if start != 1 or line.cells:
                out += P.position_column(start)
            out += P.fit(text, self.profile.line_width - start + 1).encode(self.profile.encoding)
        out += P.CRLF
        return bytes(out)

    def print_lines(self, page: int, lines: Sequence[PassbookLine],
                    cancel: threading.Event | None = None,
                    media_timeout: float | None = None) -> list[int]:
        ordered = sorted(lines, key=lambda ln: ln.line_no)
        for ln in ordered:  # reject bad geometry before a single byte is printed
            self.profile.absolute_line(ln.line_no)
        frames = [(ln.line_no, self.line_bytes(ln)) for ln in ordered]
        confirmed: list[int] = []
        try:
            self._ready_page(page, cancel, media_timeout)
            for line_no, frame in frames:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(detail=f"before line {line_no}")
                self._flush_input()
                self._raw(frame)
                reply = self._reply(self.profile.line_timeout)
                if reply.kind != "ack":
                    raise self._fault(reply, f"page {page} line {line_no}")
                confirmed.append(line_no)
        except DeviceError as e:
            e.confirmed = list(confirmed)  # type: ignore[attr-defined]
            raise
        return confirmed

    def _ready_page(self, page: int, cancel, media_timeout: float | None) -> None:
        timeout = self.profile.media_timeout if media_timeout is None else media_timeout
        deadline = time.monotonic() + timeout
        wrong_at: int | None = None
        while True:
            try:
                self._await_media(max(0.0, deadline - time.monotonic()), cancel,
                                  turn_to=page if (page > 1 or wrong_at is not None) else None)
            except NoMedia as e:
                if wrong_at is None:
                    raise
                raise WrongPage(detail=f"book was open at page {wrong_at}, need {page}") from e
            if not self.profile.page_detect:
                return
            at = self.current_page()
            if at == page:
                return
            # The book is open at the wrong page: give it back and ask for the right one.
            wrong_at = at
            self.eject()
