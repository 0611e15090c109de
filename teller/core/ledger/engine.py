"""The posting kernel (记账内核): one balanced entry, one database transaction,
every posting rule of the bank run on it.

Worked example (runnable in ``tests/core/test_posting.py``)::

    ledger = Ledger(make_engine("sqlite:///core.sqlite"), rules=posting_rules())
    posted = ledger.post(EntryRequest(
        key="T01-000001", branch="0101", teller="T001", terminal="T01",
        txn_code="10020", step="post",
        legs=(Leg(float_account, "D", 10000), Leg(customer, "C", 10000))))
    posted.journal_number        # '20261123T001000001'
    ledger.post(same_request).replayed   # True — nothing posted twice

Inside the transaction, in this order (the order is the deadlock-avoidance
rule: every transaction takes locks teller head → accounts by number):

1. one statement reads the branch (business date, status), whether the key was
   posted, the rules' request columns, and locks the teller's journal head — it
   numbers the entry (流水号) and holds the previous hash of the teller's chain;
   a posted key returns its first result (the same key with other content is
   refused as ``key_reused``);
2. a reversal's original is checked (same day, reversible, not reversed);
   the rules ``admit`` the request;
3. the rules ``prepare``;
4. the accounts are locked in ascending number order, then read with the
   rules' account columns; the legs must balance (on-balance subjects); each leg's movement
   is worked out and the rules ``check`` it;
5. the entry, its postings, the new balances and the head are written (one
   statement on PostgreSQL); the rules ``write`` their rows (``undo`` for a
   reversal);
6. a posting some rule (or the request) said needs a supervisor is refused
   without a grant — the authorization rule, last of all, proved a grant given.

The kernel knows no business: statuses, controls, limits, cash, PINs and
authorization are rules (``teller.core.rulebook``). It refuses by itself only
what makes no ledger sense: a bad key, no legs, a leg that is not a positive
whole amount on a known account, an unbalanced entry, a closed branch.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Callable, Sequence, TypeVar

from sqlalchemy import bindparam, select, true
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from teller.core.ledger import journal
from teller.core.ledger.chain import request_digest
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.ledger.models import (
    Account, Branch, EntryFact, GlSubject, JournalEntry, Posting as PostingRow,
)
from teller.core.ledger.prepared import Prepared, PreparedByCount
from teller.core.ledger.records import (
    EntryRequest, Leg, PostedEntry, PostedLeg, PostingRefused, format_journal_number,
)
from teller.core.ledger.rules import PHASES, Move, Posting, PostingRule, Subject, overrides

T = TypeVar("T")

accounts_t = Account.__table__
entries_t = JournalEntry.__table__
postings_t = PostingRow.__table__
branches_t = Branch.__table__
subjects_t = GlSubject.__table__
facts_t = EntryFact.__table__

#: Bind parameters every request column may use.
REQUEST_PARAMS = ("teller", "terminal", "branch")


def _numbers(n: int) -> list:
    return [bindparam(f"n{i}") for i in range(n)]


# Lock first, then read in a statement of its own: on PostgreSQL a row locked
# after a wait comes back current, but what a subquery reads of other tables
# (controls, holdings) would be as of the locking statement's start — before
# the holder of the lock committed.
_LOCK_ACCOUNTS = PreparedByCount(lambda n: select(accounts_t.c.number).where(
    accounts_t.c.number.in_(_numbers(n))).order_by(accounts_t.c.number).with_for_update())


def validate_shape(req: EntryRequest) -> None:
    """What makes no ledger sense, whatever the rules: refused before any SQL."""
    if not isinstance(req.key, str) or not req.key or len(req.key) > 64:
        raise PostingRefused("bad_key", "交易幂等键无效", "Invalid idempotency key")
    if not req.legs and req.reverses_entry_id is None and not req.attachments:
        raise PostingRefused("empty", "分录没有借贷记录", "The entry has no legs")
    for leg in req.legs:
        if leg.direction not in ("D", "C"):
            raise PostingRefused("bad_direction", "借贷方向无效", "Invalid direction")
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount <= 0:
            raise PostingRefused("bad_amount", "金额必须为正数", "Amount must be positive",
                                 account=leg.account)
    if req.required_level and req.authorization is None:  # the request's own word
        raise PostingRefused("needs_authorization", "该交易需要主管授权",
                             "This transaction needs a supervisor's authorization",
                             level=req.required_level)


class Ledger:
    """Posts entries to the core database through ``rules``. Thread-safe; share
    one per engine."""

    def __init__(self, engine: Engine, rules: Sequence[PostingRule] = (), *,
                 clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.engine = engine
        self.rules = tuple(rules)
        self.clock = clock
        # phase -> (index in rules, rule) of the rules that have the phase
        self._phases = {ph: tuple((i, r) for i, r in enumerate(self.rules) if overrides(r, ph))
                        for ph in PHASES}
        self._subjects: dict[str, Subject] = {}
        request_cols, account_cols = {}, {}
        bdate = bindparam("bdate")
        for rule in self.rules:
            for target, cols in ((request_cols, rule.request_columns()),
                                 (account_cols, rule.account_columns(bdate))):
                for label, col in cols.items():
                    if label in target or label in accounts_t.c or label in branches_t.c:
                        raise ValueError(f"rule {rule.name}: column {label} is taken")
                    target[label] = col.label(label)
        existing = (select(entries_t.c.id).where(entries_t.c.idempotency_key == bindparam("key"))
                    .scalar_subquery().label("existing_id"))
        head = journal.locked_head()
        self._start_q = Prepared(
            select(branches_t, existing, head.c.head_date, head.c.head_sequence,
                   head.c.head_hash, *request_cols.values())
            .select_from(branches_t.outerjoin(head, true()))
            .where(branches_t.c.code == bindparam("branch")))
        self._read_accounts = PreparedByCount(lambda n: select(
            accounts_t, *account_cols.values()).where(accounts_t.c.number.in_(_numbers(n))))

    # -- public -----------------------------------------------------------------
    def post(self, req: EntryRequest) -> PostedEntry:
        """Post ``req`` once. Raises :class:`PostingRefused` when a rule says no."""
        validate_shape(req)
        digest = request_digest(req)
        return self.transaction(lambda conn: self._post(conn, req, digest))

    def post_many(self, requests: Sequence[EntryRequest]
                  ) -> list[PostedEntry | PostingRefused]:
        """Group commit (批量提交): post ``requests`` in one database transaction,
        each under a savepoint of its own, so a refusal undoes only that
        request's writes and its neighbours still post. Returns each request's
        outcome in order — its entry, or the refusal. Idempotency and the chain
        hold as for :meth:`post`: a key repeated within the batch replays, a
        teller's entries in one batch take consecutive journal numbers. A
        database fault fails the whole batch, which the transaction wrapper
        retries (the keys make a retry safe); refusals' ``aftermath`` is
        recorded after the batch commits.

            outcomes = ledger.post_many([deposit, overdraft, transfer])
            # [PostedEntry(...), PostingRefused('insufficient'), PostedEntry(...)]
        """
        outcomes: list[PostedEntry | PostingRefused | None] = [None] * len(requests)
        work = []
        for i, req in enumerate(requests):
            try:
                validate_shape(req)
                work.append((i, req, request_digest(req)))
            except PostingRefused as refused:
                outcomes[i] = refused

        def batch(conn: Connection) -> dict[int, PostedEntry | PostingRefused]:
            done: dict[int, PostedEntry | PostingRefused] = {}
            for i, req, digest in work:
                savepoint = conn.begin_nested()
                try:
                    done[i] = self._post(conn, req, digest)
                except PostingRefused as refused:
                    savepoint.rollback()
                    done[i] = refused
                else:
                    savepoint.commit()
            return done

        for i, outcome in self.transaction(batch).items():
            outcomes[i] = outcome
            if isinstance(outcome, PostingRefused) and outcome.aftermath is not None:
                run_in_transaction(self.engine, outcome.aftermath)
        return outcomes  # type: ignore[return-value]

    def reverse(self, entry_id: int, *, key: str, teller: str, terminal: str,
                authorization=None, required_level: str | None = "A",
                txn_code: str = "08210", memo: str = "") -> PostedEntry:
        """Post the compensating entry (冲正) of ``entry_id``: same legs, sides swapped."""
        with reader(self.engine) as conn:
            original = conn.execute(select(entries_t).where(entries_t.c.id == entry_id)).first()
            if original is None:
                raise PostingRefused("no_entry", "原交易不存在", "No such entry")
            legs = conn.execute(select(postings_t).where(postings_t.c.entry_id == entry_id)
                                .order_by(postings_t.c.leg)).all()
        swapped = tuple(Leg(p.account_number, "C" if p.direction == "D" else "D", int(p.amount),
                            "冲正") for p in legs)
        return self.post(EntryRequest(
            key=key, branch=original.branch_code, teller=teller, terminal=terminal,
            txn_code=txn_code, step="reverse", legs=swapped,
            memo=memo or "冲正 " + format_journal_number(
                original.business_date, original.teller_code, original.journal_sequence),
            reversible=False, required_level=required_level, authorization=authorization,
            reverses_entry_id=entry_id))

    def find(self, key: str) -> PostedEntry | None:
        """The result for ``key`` if it was posted (used to settle in-doubt steps)."""
        with reader(self.engine) as conn:
            return self.find_in(conn, key)

    def find_in(self, conn: Connection, key: str) -> PostedEntry | None:
        row = conn.execute(select(entries_t).where(entries_t.c.idempotency_key == key)).first()
        return _result(conn, row, replayed=True) if row else None

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in one database transaction (the retry wrapper's), retried
        after a lost race on an idempotency key, a journal head or a reversal: the
        concurrent winner's result is found the next round. A refusal's
        ``aftermath`` is recorded in a transaction of its own."""
        last: IntegrityError | None = None
        for _ in range(5):
            try:
                return run_in_transaction(self.engine, work)
            except IntegrityError as exc:
                if not _is_race(exc):
                    raise
                last = exc
            except PostingRefused as refused:
                if refused.aftermath is not None:
                    run_in_transaction(self.engine, refused.aftermath)
                raise
        assert last is not None
        raise last

    # -- inside the transaction ---------------------------------------------------
    def _post(self, conn: Connection, req: EntryRequest, digest: str) -> PostedEntry:
        start = self._start_q.first(conn, {"key": req.key, "branch": req.branch,
                                           "teller": req.teller, "terminal": req.terminal})
        if start is None:  # no such branch: a key posted elsewhere still replays
            done = self.find_in(conn, req.key)
            if done is not None:
                return self._replay(conn, req, digest)
            raise PostingRefused("no_branch", "网点不存在", "No such branch")
        if start.existing_id is not None:
            return self._replay(conn, req, digest)
        if start.status != "open":
            raise PostingRefused("branch_closed", "网点已日终或未开门，不能记账",
                                 "The branch is not open for business")
        p = Posting(conn, req, start=start, now=self.clock().replace(tzinfo=None),
                    subjects=self._subjects, digest=digest)
        p.applies = tuple(rule.applies(req) for rule in self.rules)
        if p.is_reversal:
            p.original = _reversal_original(conn, req, p.business_date)
        self._run("admit", p)
        head = journal.head_from(conn, req.teller, p.business_date, start)
        self._run("prepare", p)
        self._lock_accounts(p)
        self._run("check", p)
        if p.required_level and req.authorization is None:
            raise needs_authorization(p)
        self._write(p, head)
        self._run("undo" if p.is_reversal else "write", p)
        if p.facts:
            conn.execute(facts_t.insert(), [{"entry_id": p.entry_id, "name": k, "value": v}
                                            for k, v in p.facts.items()])
        # A write may still ask for a supervisor (a rule that only knows once it
        # has read its rows); the authorization rule, last, proved any grant given.
        if p.required_level and req.authorization is None:
            raise needs_authorization(p)
        assert p.posted is not None
        if p.warnings or p.facts:
            return replace(p.posted, warnings=tuple(p.warnings), facts=tuple(p.facts.items()))
        return p.posted

    def _run(self, phase: str, p: Posting) -> None:
        applies = p.applies
        for i, rule in self._phases[phase]:
            if applies[i]:
                getattr(rule, phase)(p)

    def _subject(self, conn: Connection, code: str) -> Subject:
        found = self._subjects.get(code)
        if found is None:  # first use, or a subject added since: read them again
            for r in conn.execute(select(subjects_t.c.code, subjects_t.c.side,
                                         subjects_t.c.on_balance_sheet)):
                self._subjects[r.code] = Subject(r.code, r.side, bool(r.on_balance_sheet))
            found = self._subjects[code]
        return found

    def _lock_accounts(self, p: Posting) -> None:
        numbers = sorted({leg.account for leg in p.legs} | p.also_locked)
        if not numbers:  # an entry that is only an action of an area (no legs)
            return
        given = {f"n{i}": n for i, n in enumerate(numbers)}
        _LOCK_ACCOUNTS(len(numbers)).all(p.conn, given)
        rows = self._read_accounts(len(numbers)).all(p.conn, dict(given, bdate=p.business_date))
        p.accounts = {r.number: r for r in rows}
        for n in numbers:
            if n not in p.accounts:
                raise PostingRefused("no_account", f"账户 {n} 不存在",
                                     f"Account {n} does not exist", account=n)
        debit = credit = 0
        balances = {n: int(a.balance) for n, a in p.accounts.items()}
        for i, leg in enumerate(p.legs, start=1):
            acct = p.accounts[leg.account]
            subject = self._subject(p.conn, acct.subject_code)
            if subject.on_balance_sheet:  # off-balance counts (9001) are single-entry
                if leg.direction == "D":
                    debit += leg.amount
                else:
                    credit += leg.amount
            inflow = leg.direction == subject.side
            before = balances[leg.account]
            balances[leg.account] = before + (leg.amount if inflow else -leg.amount)
            p.moves.append(Move(i, leg, acct, inflow, before, balances[leg.account]))
        if debit != credit:
            raise PostingRefused(
                "unbalanced", f"借贷不平衡：借方 {debit / 100:.2f}，贷方 {credit / 100:.2f}",
                f"Unbalanced entry: debits {debit / 100:.2f}, credits {credit / 100:.2f}")

    def _write(self, p: Posting, head: journal.Head) -> None:
        req = p.request
        legs = [{"leg": mv.index, "account_number": mv.leg.account,
                 "subject_code": mv.account.subject_code, "direction": mv.leg.direction,
                 "amount": mv.leg.amount, "balance_after": mv.balance_after,
                 "memo": mv.leg.memo[:120]} for mv in p.moves]
        entry = {"idempotency_key": req.key, "request_digest": p.digest,
                 "branch_code": req.branch, "terminal_code": req.terminal,
                 "created_at": p.now, "txn_code": req.txn_code, "step": req.step,
                 "purpose": req.purpose, "memo": req.memo[:200], "reversible": req.reversible,
                 "offline": req.offline, "reverses_entry_id": req.reverses_entry_id}
        final: dict[str, int] = {}
        for mv in p.moves:
            final[mv.leg.account] = mv.balance_after
        changed = [(n, b) for n, b in final.items() if b != int(p.accounts[n].balance)]
        p.entry_id = journal.write_entry(p.conn, head, entry, legs, changed)
        p.posted = PostedEntry(
            entry_id=p.entry_id, key=req.key, teller=req.teller, business_date=p.business_date,
            journal_sequence=head.sequence, created_at=p.now, txn_code=req.txn_code,
            step=req.step, reverses_entry_id=req.reverses_entry_id,
            legs=tuple(PostedLeg(mv.leg.account, mv.leg.direction, mv.leg.amount,
                                 mv.balance_after) for mv in p.moves))

    def _replay(self, conn: Connection, req: EntryRequest, digest: str) -> PostedEntry:
        row = conn.execute(select(entries_t).where(entries_t.c.idempotency_key == req.key)).one()
        if row.request_digest != digest:
            raise PostingRefused("key_reused", "同一交易编号已用于另一笔交易",
                                 "This idempotency key was used for a different request")
        return _result(conn, row, replayed=True)


def needs_authorization(p: Posting) -> PostingRefused:
    """The refusal of a posting that needs a supervisor it has not got: the
    highest level asked for, with every rule's reason (what the flow shows the
    supervisor)."""
    level = p.required_level or "A"
    zh = "；".join(dict.fromkeys(n[1] for n in p.needs)) or "该交易需要主管授权"
    en = "; ".join(dict.fromkeys(n[2] for n in p.needs)) or \
        "This transaction needs a supervisor's authorization"
    return PostingRefused("needs_authorization", zh, en, level=level)


def _reversal_original(conn: Connection, req: EntryRequest, bdate: dt.date):
    orig = conn.execute(select(entries_t).where(entries_t.c.id == req.reverses_entry_id)).first()
    if orig is None:
        raise PostingRefused("no_entry", "原交易不存在", "No such entry")
    if orig.reverses_entry_id is not None:
        raise PostingRefused("reverse_reversal", "冲正交易不能再冲正",
                             "A reversal cannot itself be reversed")
    if not orig.reversible:
        raise PostingRefused("irreversible", "该交易不允许冲正", "This step cannot be reversed")
    if orig.business_date != bdate:
        raise PostingRefused("not_same_day", "只能冲正当日交易",
                             "Only today's entries can be reversed")
    done = conn.execute(select(entries_t.c.id).where(
        entries_t.c.reverses_entry_id == orig.id)).first()
    if done is not None:
        raise PostingRefused("already_reversed", "该交易已冲正", "Already reversed")
    return orig


def _is_race(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return any(s in text for s in ("idempotency_key", "teller_journal_heads",
                                   "reverses_entry_id"))


def _result(conn: Connection, row, *, replayed: bool) -> PostedEntry:
    legs = conn.execute(select(postings_t).where(postings_t.c.entry_id == row.id)
                        .order_by(postings_t.c.leg)).all()
    facts = conn.execute(select(facts_t.c.name, facts_t.c.value)
                         .where(facts_t.c.entry_id == row.id)).all()
    return PostedEntry(
        entry_id=row.id, key=row.idempotency_key, teller=row.teller_code,
        business_date=row.business_date, journal_sequence=row.journal_sequence,
        created_at=row.created_at, txn_code=row.txn_code, step=row.step,
        replayed=replayed, reverses_entry_id=row.reverses_entry_id,
        legs=tuple(PostedLeg(p.account_number, p.direction, int(p.amount),
                             int(p.balance_after)) for p in legs),
        facts=tuple((f.name, f.value) for f in facts))


__all__ = ["Ledger", "needs_authorization", "validate_shape"]
