"""The one device thread: every byte to or from a device moves here.

API::

    worker = DeviceWorker(dispatch=None, name="devices")
    worker.start()
    job = worker.submit(fn, *args, on_done=cb(result), on_error=cb(exc),
                        cancellable=False, **kwargs)
    job.cancel()            # sets job.cancel_event; drivers see it and raise Cancelled
    job.wait(timeout=None)  # -> result, or raises the DeviceError (headless/CLI/tests)
    job.done, job.cancelled, job.cancel_event
    worker.call(fn, *args, timeout=None, **kwargs)  # submit + wait, for headless code
    worker.stop(timeout=5.0)

With ``cancellable=True`` the job's ``cancel_event`` is passed to ``fn`` as the
keyword argument ``cancel`` (the drivers' convention:
``print_lines(page, lines, cancel=None)``).

``dispatch(thunk)`` decides on which thread callbacks run. The default runs
them on the worker thread; the GUI passes a function that posts ``thunk`` to
the Qt event loop, so this module never imports Qt.

Errors: ``on_error`` always receives a :class:`DeviceError`. Anything else a
driver raises (a bug, a decoding error) is wrapped in ``DeviceError`` with the
original as ``__cause__``, so one faulty driver call cannot kill the thread or
show a traceback to the teller. A job cancelled before it ran gets
``Cancelled`` without running.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable

from teller.devices.errors import Cancelled, DeviceError, Timeout

log = logging.getLogger(__name__)

Dispatch = Callable[[Callable[[], None]], None]


def _run_here(thunk: Callable[[], None]) -> None:
    thunk()


class Job:
    """One unit of device work; the handle the caller keeps to cancel or wait."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict,
                 on_done: Callable[[Any], None] | None,
                 on_error: Callable[[DeviceError], None] | None) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.on_done = on_done
        self.on_error = on_error
        self.cancel_event = threading.Event()
        self._finished = threading.Event()
        self._result: Any = None
        self._error: DeviceError | None = None

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        state = "done" if self.done else ("cancelling" if self.cancelled else "pending")
        return f"<Job {name} {state}>"

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    @property
    def error(self) -> DeviceError | None:
        return self._error

    def wait(self, timeout: float | None = None) -> Any:
        if not self._finished.wait(timeout):
            raise Timeout(detail=f"{self!r} did not finish in {timeout}s")
        if self._error is not None:
            raise self._error
        return self._result


_STOP = object()


class DeviceWorker:
    def __init__(self, dispatch: Dispatch | None = None, name: str = "devices") -> None:
        self.dispatch: Dispatch = dispatch or _run_here
        self.name = name
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._current: Job | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def on_worker_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[DeviceError], None] | None = None,
               cancellable: bool = False, **kwargs: Any) -> Job:
        job = Job(fn, args, kwargs, on_done, on_error)
        if cancellable:
            job.kwargs["cancel"] = job.cancel_event
        if not self.running or self._stopping.is_set():
            # Reject rather than queue forever: a job nobody will run would
            # leave the GUI waiting on a callback that never comes.
            self._finish(job, error=DeviceError(detail="device thread is not running"))
            return job
        self._queue.put(job)
        return job

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None,
             **kwargs: Any) -> Any:
        """Run ``fn`` on the device thread and return its result (for non-GUI callers)."""
        if self.on_worker_thread:
            return fn(*args, **kwargs)  # already here; queueing would deadlock
        return self.submit(fn, *args, **kwargs).wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._stopping.set()
            current = self._current
            if current is not None:
                current.cancel()
            self._queue.put(_STOP)
        thread.join(timeout)
        with self._lock:
            self._thread = None
        # Anything still queued will never run: tell its owner.
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(job, Job):
                self._finish(job, error=Cancelled(detail="device thread stopped"))

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            if job.cancelled or self._stopping.is_set():
                self._finish(job, error=Cancelled())
                continue
            with self._lock:
                self._current = job
            try:
                result = job.fn(*job.args, **job.kwargs)
            except DeviceError as e:
                self._finish(job, error=e)
            except Exception as e:
                log.exception("device job %r failed", job)
                err = DeviceError(detail=f"{type(e).__name__}: {e}")
                err.__cause__ = e
                self._finish(job, error=err)
            else:
                self._finish(job, result=result)
            finally:
                with self._lock:
                    self._current = None

    def _finish(self, job: Job, result: Any = None, error: DeviceError | None = None) -> None:
        job._result, job._error = result, error
        job._finished.set()
        cb = job.on_error if error is not None else job.on_done
        if cb is None:
            return
        arg = error if error is not None else result

        def thunk() -> None:
            try:
                cb(arg)
            except Exception:  # a faulty callback must not take the device thread down
                log.exception("device job callback failed for %r", job)

        try:
            self.dispatch(thunk)
        except Exception:
            log.exception("dispatching device job callback failed for %r", job)
