"""Group commit (批量提交): concurrent posting requests posted in batches.

Every committed transaction costs the database a WAL flush and the client two
round trips (BEGIN, COMMIT) on top of the posting's own statements. A service
that many terminals talk to at once therefore posts what arrives together as
one batch — one transaction, a savepoint per request
(:meth:`~teller.core.ledger.engine.Ledger.post_many`) — and hands every caller
its own outcome. One worker thread posts the batches one after another, so
batches never wait on each other's locks.

    committer = GroupCommitter(ledger, max_batch=64)
    posted = committer.post(request)          # blocks; raises PostingRefused
    future = committer.submit(request)        # concurrent.futures.Future
    committer.close()                         # posts what is queued, then stops

A batch that fails as a whole (the database went away beyond the retry
wrapper's patience) fails each of its callers with that error; nothing of it
was committed, and each caller may resend under the same key.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from teller.core.ledger.engine import Ledger
from teller.core.ledger.records import EntryRequest, PostedEntry, PostingRefused

_STOP = object()


@dataclass
class BatchStats:
    """What the committer has done: batches posted and their sizes."""

    batches: int = 0
    requests: int = 0
    largest: int = 0
    sizes: dict[int, int] = field(default_factory=dict)  # size -> how many batches

    def add(self, size: int) -> None:
        self.batches += 1
        self.requests += size
        self.largest = max(self.largest, size)
        self.sizes[size] = self.sizes.get(size, 0) + 1


class GroupCommitter:
    """Posts submitted requests in batches on one worker thread."""

    def __init__(self, ledger: Ledger, *, max_batch: int = 64) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.ledger = ledger
        self.max_batch = max_batch
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._worker.start()

    def submit(self, request: EntryRequest) -> Future:
        """Queue ``request``; the future's result is its :class:`PostedEntry`, or
        it raises the request's :class:`PostingRefused`."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the group committer is closed")
            self._queue.put((request, future))
        return future

    def post(self, request: EntryRequest, timeout: float | None = None) -> PostedEntry:
        return self.submit(request).result(timeout)

    def close(self) -> None:
        """Post everything already submitted, then stop the worker."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._worker.join()

    def __enter__(self) -> GroupCommitter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the worker ---------------------------------------------------------------
    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()  # wait for work
            if first is _STOP:
                return
            batch = [first]
            # Whatever arrived while the previous batch was posting goes in this one.
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._post(batch)

    def _post(self, batch: list) -> None:
        live = [(req, fut) for req, fut in batch if fut.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            outcomes = self.ledger.post_many([req for req, _ in live])
        except Exception as exc:  # noqa: BLE001 - every caller hears the batch's fault
            for _, fut in live:
                fut.set_exception(exc)
            return
        self.stats.add(len(live))
        for (_, fut), outcome in zip(live, outcomes):
            if isinstance(outcome, PostingRefused):
                fut.set_exception(outcome)
            else:
                fut.set_result(outcome)


__all__ = ["BatchStats", "GroupCommitter"]
