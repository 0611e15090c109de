"""Background operations: core and device work off the GUI thread.

    ops = Background(parent)                 # one per window tree
    ops.run(fn, *args, on_done=cb, on_error=cb, busy=True)
    ops.pending -> int; ops.busy_changed(bool) signal
    qt_dispatch(parent) -> dispatch(thunk)   # for DeviceWorker(dispatch=...)

Core work goes through a pool of exactly one thread: a teller session is one
conversation with the core, and running its calls in the order they were
asked keeps the journal view, the wizard and the status bar consistent
without locks. Results come back as queued signals, so callbacks always run
on the GUI thread and the event loop never waits (no processEvents()).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Qt, Signal
from PySide6.QtWidgets import QProgressBar, QWidget

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues, the GUI runs."""

    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - every fault is reported, none kills the pool
            log.exception("background operation failed")
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class Background(QObject):
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()  # keep relays alive until they deliver
        self._busy = 0

    @property
    def pending(self) -> int:
        return len(self._relays)

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def run(self, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[Exception], None] | None = None,
            busy: bool = True, **kwargs: Any) -> None:
        relay = _Relay()
        self._relays.add(relay)
        if busy:
            self._set_busy(+1)

        def finish(callback, value) -> None:
            self._relays.discard(relay)
            if busy:
                self._set_busy(-1)
            if callback is not None:
                callback(value)

        relay.done.connect(lambda value: finish(on_done, value), Qt.QueuedConnection)
        relay.failed.connect(lambda exc: finish(on_error or _log_error, exc),
                             Qt.QueuedConnection)
        self._pool.start(_Task(lambda: fn(*args, **kwargs), relay))

    def wait_idle(self, msecs: int = 30000) -> bool:
        """For shutdown and benchmarks only: block until queued work has run."""
        return self._pool.waitForDone(msecs)

    def _set_busy(self, delta: int) -> None:
        before = self._busy > 0
        self._busy += delta
        if (self._busy > 0) != before:
            self.busy_changed.emit(self._busy > 0)


def _log_error(exc: Exception) -> None:
    log.error("background operation failed without a handler: %s", exc)


class _Dispatcher(QObject):
    call = Signal(object)


def qt_dispatch(parent: QObject) -> Callable[[Callable[[], None]], None]:
    """A dispatch for DeviceWorker: device callbacks run on the GUI thread."""
    dispatcher = _Dispatcher(parent)
    dispatcher.call.connect(lambda thunk: thunk(), Qt.QueuedConnection)
    return dispatcher.call.emit


class BusyIndicator(QProgressBar):
    """An indeterminate bar, visible only while background work is pending."""

    def __init__(self, ops: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 0)
        self.setMaximumWidth(120)
        self.setTextVisible(False)
        self.setVisible(ops.busy)
        ops.busy_changed.connect(self.setVisible)
