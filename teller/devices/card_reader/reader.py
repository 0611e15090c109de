"""The IC card reader device: PBOC reading composed over the PC/SC transport.

Calls block and are meant for the device thread. Each ``read_card`` runs its
APDUs on a helper thread with its own PC/SC context, so a mute card (which
PC/SC never times out) costs one parked helper until the card is pulled, and
the caller still gets :class:`CardMute` within its bound.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping

from teller.devices.card_reader.pboc import CardData, PbocReader
from teller.devices.errors import Cancelled, CardMute, DeviceError, DeviceStatus, NoDevice, Timeout
from teller.devices.transports.pcsc import PcscChannel, PcscContext, ReaderState

log = logging.getLogger(__name__)

_SLICE_MS = 200  # how often blocking waits look at the cancel event


class PcscCardReader:
    """IC 卡读卡器 on PC/SC. ``reader_name_pattern`` is a regex searched in reader names."""

    def __init__(self, reader_name_pattern: str = "", *, apdu_timeout: float = 5.0,
                 terminal_data: Mapping[int, bytes] | None = None) -> None:
        self._pattern = re.compile(reader_name_pattern, re.IGNORECASE) if reader_name_pattern else None
        self._apdu_timeout = apdu_timeout
        self._terminal_data = dict(terminal_data or {})
        self._ctx: PcscContext | None = None
        self._busy = False
        self._lock = threading.Lock()

    # ---------------------------------------------------------- readers --

    def _context(self) -> PcscContext:
        with self._lock:
            if self._ctx is None:
                ctx = PcscContext()
                ctx.open()
                self._ctx = ctx
            return self._ctx

    def _drop_context(self) -> None:
        with self._lock:
            ctx, self._ctx = self._ctx, None
        if ctx is not None:
            ctx.close()

    def _call(self, fn: Callable[[PcscContext], object]) -> object:
        """Run ``fn`` on the shared context; a pcscd restart invalidates it, so retry once."""
        try:
            return fn(self._context())
        except NoDevice:
            self._drop_context()
            return fn(self._context())

    def readers(self) -> list[str]:
        """Names of the matching readers; :class:`NoDevice` when there are none."""
        names = [r for r in self._call(lambda c: c.list_readers())  # type: ignore[union-attr]
                 if self._pattern is None or self._pattern.search(r)]
        if not names:
            raise NoDevice("未找到读卡器，请检查读卡器连接", message_en="No card reader found; check the reader cable",
                           detail=f"pattern {self._pattern.pattern if self._pattern else '*'!r}")
        return names

    def _states(self) -> list[ReaderState]:
        readers = self.readers()
        return self._call(lambda c: c.states(readers))  # type: ignore[return-value]

    def card_present(self) -> bool:
        return any(s.present for s in self._states())

    def status(self) -> DeviceStatus:
        if self._busy:
            return DeviceStatus.BUSY
        try:
            return DeviceStatus.MEDIA_PRESENT if self.card_present() else DeviceStatus.READY
        except NoDevice:
            return DeviceStatus.DISCONNECTED
        except DeviceError:
            return DeviceStatus.ERROR

    def wait_for_card(self, timeout: float, cancel_event: threading.Event | None = None) -> str:
        """Block until a card is in a matching reader; returns that reader's name."""
        deadline = time.monotonic() + timeout
        while True:
            readers = self.readers()
            states = self._call(lambda c: c.states(readers))
            for state in states:  # type: ignore[union-attr]
                if state.present:
                    return state.reader
            known = {s.reader: s.event_state & ~0x02 for s in states}  # type: ignore[union-attr]
            while True:
                if cancel_event is not None and cancel_event.is_set():
                    raise Cancelled("已取消读卡", message_en="Card reading cancelled")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout("等待插卡超时，请插入银行卡后重试",
                                  message_en="No card was inserted in time; insert the card and retry")
                changed = self._call(lambda c: c.get_status_change(known, int(min(left * 1000, _SLICE_MS))))
                if changed:
                    break  # re-read the states from the top

    # ------------------------------------------------------------- read --

    def read_card(self, timeout: float = 30.0, cancel: threading.Event | None = None,
                  contactless: bool = False) -> CardData:
        """Wait up to ``timeout`` for a card and read its PBOC debit application.

        Raises :class:`Timeout` (no card / slow card), :class:`CardMute`,
        :class:`CardRemoved`, :class:`UnsupportedCard`, :class:`MalformedData`,
        :class:`Cancelled` or :class:`NoDevice`; never anything untyped.
        """
        deadline = time.monotonic() + timeout
        reader = self.wait_for_card(timeout, cancel)
        self._busy = True
        try:
            session = _ReadSession(reader, self._apdu_timeout, self._terminal_data, contactless)
            return session.run(deadline, cancel)
        finally:
            self._busy = False

    def close(self) -> None:
        self._drop_context()


class _GuardedChannel:
    """Marks each transmit's start so the waiter can tell a mute card, and stops after an abort."""

    def __init__(self, inner: PcscChannel, abort: threading.Event) -> None:
        self._inner = inner
        self._abort = abort
        self.outstanding_since: float | None = None
        self.apdus = 0

    def transmit(self, apdu: bytes) -> bytes:
        if self._abort.is_set():
            raise Cancelled(detail="read abandoned")
        self.outstanding_since = time.monotonic()
        try:
            return self._inner.transmit(apdu)
        finally:
            self.outstanding_since = None
            self.apdus += 1


class _ReadSession:
    def __init__(self, reader: str, apdu_timeout: float, terminal_data: Mapping[int, bytes],
                 contactless: bool) -> None:
        self.reader = reader
        self.apdu_timeout = apdu_timeout
        self.terminal_data = terminal_data
        self.contactless = contactless
        self.abort = threading.Event()
        self.done = threading.Event()
        self.channel: _GuardedChannel | None = None
        self.connecting_since: float | None = None
        self.result: CardData | None = None
        self.error: DeviceError | None = None

    def run(self, deadline: float, cancel: threading.Event | None) -> CardData:
        worker = threading.Thread(target=self._work, name=f"card-read {self.reader}", daemon=True)
        worker.start()
        while not self.done.wait(0.05):
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                self.abort.set()
                raise Cancelled("已取消读卡", message_en="Card reading cancelled")
            since = self.channel.outstanding_since if self.channel else self.connecting_since
            if since is not None and now - since > self.apdu_timeout:
                self.abort.set()
                raise CardMute(detail=f"no answer for {self.apdu_timeout:.1f}s on {self.reader}")
            if now >= deadline:
                self.abort.set()
                if since is not None:
                    raise CardMute(detail=f"still waiting for the card at the deadline on {self.reader}")
                raise Timeout("读卡超时，请重新插卡", message_en="Reading the card took too long; insert it again")
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def _work(self) -> None:
        ctx = PcscContext()
        inner: PcscChannel | None = None
        try:
            ctx.open()
            self.connecting_since = time.monotonic()
            inner = ctx.connect(self.reader)
            self.connecting_since = None
            self.channel = _GuardedChannel(inner, self.abort)
            protocol = PbocReader(self.channel, terminal_data=self.terminal_data, contactless=self.contactless)
            self.result = protocol.read()
            log.info("card read on %s (%s): %s", self.reader, inner.protocol_name, self.result.masked_pan)
        except DeviceError as exc:
            self.error = exc
            if self.channel is not None and not isinstance(exc, Cancelled):
                self.error = self._removed_or(exc, inner)
        except Exception as exc:  # noqa: BLE001 - a driver bug must surface as a device fault
            log.exception("card read failed on %s", self.reader)
            self.error = DeviceError("读卡失败，请重新插卡", message_en="Card read failed; insert the card again",
                                     detail=repr(exc))
        finally:
            self.done.set()
            if inner is not None:
                inner.close()
            ctx.close()

    @staticmethod
    def _removed_or(exc: DeviceError, inner: PcscChannel | None) -> DeviceError:
        """A card pulled mid-read often shows up as garbage or silence first; say what really happened."""
        if inner is None:
            return exc
        try:
            inner.wait_gone(0.6)
        except DeviceError as gone:
            return gone
        return exc


class CardMonitor:
    """Reports card insertions and removals through plain callbacks, from its own thread.

    Cards already present when ``start()`` is called are reported as inserted,
    so the listener learns the initial state. Callbacks run on the monitor
    thread; a GUI must marshal them to its own thread.
    """

    def __init__(self, inserted: Callable[[str], None], removed: Callable[[str], None],
                 reader_name_pattern: str = "", *, poll_ms: int = 500) -> None:
        self._inserted = inserted
        self._removed = removed
        self._pattern = re.compile(reader_name_pattern, re.IGNORECASE) if reader_name_pattern else None
        self._poll_ms = poll_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx: PcscContext | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="card-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ctx = self._ctx
        if ctx is not None:
            try:
                ctx.cancel()
            except Exception:  # noqa: BLE001 - the context may be going away concurrently
                pass
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def _fire(self, callback: Callable[[str], None], reader: str) -> None:
        try:
            callback(reader)
        except Exception:  # noqa: BLE001 - a listener bug must not stop card detection
            log.exception("card monitor callback failed for %s", reader)

    def _loop(self) -> None:
        present: dict[str, bool] = {}
        while not self._stop.is_set():
            ctx = PcscContext()
            try:
                ctx.open()
                self._ctx = ctx
                self._watch(ctx, present)
            except DeviceError as exc:
                if self._stop.is_set():
                    break  # stop() cancelled the wait; nothing was removed
                log.warning("card monitor: %s", exc)
                for reader, was in list(present.items()):
                    if was:
                        self._fire(self._removed, reader)
                present.clear()
                self._stop.wait(self._poll_ms / 1000)
            finally:
                self._ctx = None
                ctx.close()

    def _watch(self, ctx: PcscContext, present: dict[str, bool]) -> None:
        known: dict[str, int] = {}
        while not self._stop.is_set():
            readers = [r for r in ctx.list_readers() if self._pattern is None or self._pattern.search(r)]
            for gone in set(present) - set(readers):
                if present.pop(gone):
                    self._fire(self._removed, gone)
            known = {r: known.get(r, 0) for r in readers}
            if not known:
                self._stop.wait(self._poll_ms / 1000)
                continue
            changed = ctx.get_status_change(known, self._poll_ms)
            if changed is None:
                continue
            for state in changed:
                known[state.reader] = state.event_state & ~0x02
                now = state.present
                if now != present.get(state.reader, False):
                    present[state.reader] = now
                    self._fire(self._inserted if now else self._removed, state.reader)
