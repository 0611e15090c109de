"""GroupCommitter: concurrent submitters, batches on one worker, each caller its
own outcome; a batch that fails as a whole fails only its own callers."""
from __future__ import annotations

import itertools
import threading
import time

import pytest
import sqlalchemy as sa

from tests.conftest import float_account
from teller.core.ledger import models as m
from teller.core.ledger.db import CoreUnavailable, reader
from teller.core.ledger.engine import Ledger
from teller.core.ledger.group_commit import GroupCommitter
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.core.rulebook import check_books, ledger, posting_rules

pytestmark = pytest.mark.postgres
_keys = itertools.count(1)


def request(legs, teller="T001") -> EntryRequest:
    return EntryRequest(key=f"gc-{next(_keys):06d}", branch="0101", teller=teller,
                        terminal="T01", txn_code="10020", step="post", legs=tuple(legs))


def test_concurrent_submitters_are_posted_in_batches_each_with_its_outcome(core):
    box, customer = float_account(core.engine), core.demo.accounts[0][0]
    before = core.balance(customer)
    gate = threading.Event()
    results: dict[int, object] = {}

    def teller(i: int, committer: GroupCommitter) -> None:
        gate.wait()
        amount = 10**12 if i % 10 == 9 else 100  # every tenth overdraws the account
        legs = ([Leg(customer, "D", amount), Leg(box, "C", amount)] if amount > 100
                else [Leg(box, "D", amount), Leg(customer, "C", amount)])
        try:
            results[i] = committer.post(request(legs, "T001" if i % 2 else "T002"), 60)
        except PostingRefused as exc:
            results[i] = exc.code

    # GIVEN 40 callers released at once onto one committer, whose first batch
    # waits until the other 39 requests are queued behind it
    kernel = HeldFirstBatch(core.engine, posting_rules())
    with GroupCommitter(kernel, max_batch=16) as committer:
        kernel.queued = lambda taken: committer._queue.qsize() + taken >= 40  # noqa: SLF001
        threads = [threading.Thread(target=teller, args=(i, committer)) for i in range(40)]
        for t in threads:
            t.start()
        gate.set()
        for t in threads:
            t.join(60)
        stats = committer.stats
    # THEN every caller has its own outcome: the overdrafts refused, the rest posted
    refused = sorted(i for i, r in results.items() if r == "insufficient")
    assert len(results) == 40 and refused == [9, 19, 29, 39]
    assert core.balance(customer) == before + 36 * 100
    # AND they went in batches of at most 16: whatever the first took, then 16 and 16
    assert stats.requests == 40 and stats.largest == 16 and stats.batches <= 4
    # AND each teller's journal numbers are 1..n without a gap
    with reader(core.engine) as conn:
        for code, n in (("T001", 20 - 4), ("T002", 20)):  # the overdrafts are T001's
            seqs = conn.execute(sa.select(m.JournalEntry.journal_sequence).where(
                m.JournalEntry.teller_code == code).order_by(
                m.JournalEntry.journal_sequence)).scalars().all()
            assert seqs == list(range(1, n + 1))
    assert check_books(core.engine).ok


class HeldFirstBatch(Ledger):
    """A kernel whose first batch waits until ``queued(its size)`` says the
    rest are in."""

    queued = staticmethod(lambda taken: True)
    held = False

    def post_many(self, requests):
        if not self.held:
            self.held = True
            deadline = time.monotonic() + 30
            while not self.queued(len(requests)) and time.monotonic() < deadline:
                time.sleep(0.005)
        return super().post_many(requests)


class FailingOnce(Ledger):
    """A kernel whose first batch fails as a whole, as when the database stays
    away beyond the retry wrapper's patience."""

    failed = False

    def post_many(self, requests):
        if not self.failed:
            self.failed = True
            raise CoreUnavailable("injected: the database went away")
        return super().post_many(requests)


def test_a_batch_that_fails_as_a_whole_fails_its_callers_and_the_resend_posts_once(core):
    box, customer = float_account(core.engine), core.demo.accounts[0][0]
    before = core.balance(customer)
    req = request([Leg(box, "D", 500), Leg(customer, "C", 500)])
    with GroupCommitter(FailingOnce(core.engine, posting_rules())) as committer:
        # WHEN the batch carrying the request fails
        with pytest.raises(CoreUnavailable):
            committer.post(req, 30)
        # THEN nothing was posted, and the caller's resend under the same key posts it
        assert core.balance(customer) == before
        first = committer.post(req, 30)
        again = committer.post(req, 30)
    # AND a third send replays the first result: the money moved once
    assert not first.replayed and again.replayed and again.entry_id == first.entry_id
    assert core.balance(customer) == before + 500


def test_a_closed_committer_posts_what_was_queued_and_takes_nothing_more(core):
    box, customer = float_account(core.engine), core.demo.accounts[0][0]
    committer = GroupCommitter(ledger(core.engine))
    futures = [committer.submit(request([Leg(box, "D", 1), Leg(customer, "C", 1)]))
               for _ in range(10)]
    committer.close()
    assert all(f.done() and not f.exception() for f in futures)
    with pytest.raises(RuntimeError):
        committer.submit(request([Leg(box, "D", 1), Leg(customer, "C", 1)]))
