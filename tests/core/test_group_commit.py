"""Group commit (``Ledger.post_many``): one database transaction per batch, each
request with its own outcome — a refusal undoes only its own writes."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from tests.conftest import float_account
from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.ledger.engine import Ledger
from teller.core.ledger.records import EntryRequest, Leg, PostedEntry, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.rulebook import check_books, ledger, posting_rules

pytestmark = pytest.mark.postgres
_keys = itertools.count(1)


def request(legs, *, teller="T001", key=None, txn_code="10020") -> EntryRequest:
    return EntryRequest(key=key or f"batch-{next(_keys):06d}", branch="0101", teller=teller,
                        terminal="T01", txn_code=txn_code, step="post", legs=tuple(legs))


def entries_with_keys(core, keys) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry).where(
            m.JournalEntry.idempotency_key.in_(list(keys)))).scalar_one()


class RefuseAfterWriting(PostingRule):
    """Refuses txn 99999 in its write phase — after the kernel wrote the entry,
    its postings, the balances and the head."""

    name = "test.refuse_after_writing"

    def write(self, p: Posting) -> None:
        if p.request.txn_code == "99999":
            raise PostingRefused("late", "写入后拒绝", "Refused after writing")


def test_a_batch_posts_each_request_with_its_own_outcome(core):
    box, (customer, other) = float_account(core.engine), (core.demo.accounts[0][0],
                                                          core.demo.accounts[1][0])
    kernel = ledger(core.engine)
    before = core.balance(customer)
    first = request([Leg(box, "D", 10_000), Leg(customer, "C", 10_000)])
    # GIVEN a batch: a deposit, an overdraft, an unbalanced entry, a transfer by
    # another teller, the deposit's key again, and one more deposit
    batch = [first,
             request([Leg(customer, "D", 10**12), Leg(other, "C", 10**12)]),
             request([Leg(box, "D", 5), Leg(customer, "C", 4)]),
             request([Leg(customer, "D", 3_000), Leg(other, "C", 3_000)], teller="T002"),
             first,
             request([Leg(box, "D", 700), Leg(customer, "C", 700)])]
    # WHEN it is posted as one group
    out = kernel.post_many(batch)
    # THEN each request has its own outcome, in order
    assert [o.code if isinstance(o, PostingRefused) else "posted" for o in out] == [
        "posted", "insufficient", "unbalanced", "posted", "posted", "posted"]
    assert isinstance(out[4], PostedEntry) and out[4].replayed
    assert out[4].entry_id == out[0].entry_id
    # AND T001's entries are numbered one after the other, the refusals took no number
    assert [out[0].journal_sequence, out[5].journal_sequence] == [1, 2]
    assert out[3].journal_sequence == 1
    # AND only the posted money moved, once
    assert core.balance(customer) == before + 10_000 - 3_000 + 700
    assert entries_with_keys(core, [r.key for r in batch]) == 3
    assert check_books(core.engine).ok


def test_a_refusal_after_the_kernel_wrote_undoes_only_that_request(core):
    box, customer = float_account(core.engine), core.demo.accounts[0][0]
    kernel = Ledger(core.engine, posting_rules() + (RefuseAfterWriting(),))
    before = core.balance(customer)
    batch = [request([Leg(box, "D", 100), Leg(customer, "C", 100)]),
             request([Leg(box, "D", 200), Leg(customer, "C", 200)], txn_code="99999"),
             request([Leg(box, "D", 400), Leg(customer, "C", 400)])]
    # WHEN the middle request is refused after its entry and balances were written
    out = kernel.post_many(batch)
    # THEN its entry, postings, balance change and journal number are gone with it
    assert isinstance(out[1], PostingRefused) and out[1].code == "late"
    assert core.balance(customer) == before + 500
    assert entries_with_keys(core, [r.key for r in batch]) == 2
    assert [out[0].journal_sequence, out[2].journal_sequence] == [1, 2]
    # AND the chain runs on unbroken through the refused one
    assert check_books(core.engine).ok
    # AND the refused key is free: posted again without the late refusal, it posts
    again = ledger(core.engine).post(batch[1])
    assert again.journal_sequence == 3 and not again.replayed


def test_a_batch_of_one_teller_keeps_the_chain_across_batches(core):
    box, customer = float_account(core.engine), core.demo.accounts[0][0]
    kernel = ledger(core.engine)
    # WHEN three batches of five deposits each are posted
    seqs = []
    for _ in range(3):
        out = kernel.post_many([request([Leg(box, "D", 1), Leg(customer, "C", 1)])
                                for _ in range(5)])
        seqs += [o.journal_sequence for o in out]
    # THEN the teller's journal numbers run 1..15 and the books check
    assert seqs == list(range(1, 16))
    assert check_books(core.engine).ok
