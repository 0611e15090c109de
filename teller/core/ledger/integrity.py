"""``teller check``: verify the books and the electronic journal (账务核对).

Checks, each reported with the rows that break it:
1. every entry balances (on-balance-sheet legs: Σ借 = Σ贷);
2. every stored balance equals the sum of its account's postings;
3. no balance is below what its account allows (overdraft limit);
4. idempotency keys are unique;
5. each teller's hash chain is intact: every entry's hash recomputes from its
   content and links to the previous entry of the same teller, and the
   journal head points at the last one — so an edited, inserted or deleted
   entry is found;
6. references the journal keeps without a declared foreign key on
   PostgreSQL (teller.core.schema.PG_UNDECLARED_FOREIGN_KEYS): every entry's
   branch exists, every posting carries its account's subject;
7. what each posting rule verifies of its own area's rows
   (:meth:`~teller.core.ledger.rules.PostingRule.verify`: the cash rule, that
   every cash movement names known denominations with positive pieces).
   ``teller.core.rulebook.check_books`` passes the bank's rules.

The chain walk streams entries and postings in id order with two cursors, so
memory stays flat however long the journal is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.ledger.chain import GENESIS_HASH, entry_hash

a, p, e, s, h = (m.Account.__table__, m.Posting.__table__, m.JournalEntry.__table__,
                 m.GlSubject.__table__, m.TellerJournalHead.__table__)


@dataclass(frozen=True)
class Violation:
    check: str
    row: str
    message: str


@dataclass
class CheckReport:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        lines = [f"entries {self.entries}, postings {self.postings}, accounts {self.accounts}"]
        if self.ok:
            lines.append("OK: books balance, balances match postings, keys unique, chains and "
                         "references intact")
        else:
            lines.append(f"FAILED: {len(self.violations)} violation(s)")
            lines += [f"  [{v.check}] {v.row}: {v.message}" for v in self.violations[:200]]
            if len(self.violations) > 200:
                lines.append(f"  … and {len(self.violations) - 200} more")
        return "\n".join(lines)


def check_books(engine: Engine, rules: Sequence = ()) -> CheckReport:
    """Check the books; ``rules`` (posting rules) add what they verify of their
    own rows."""
    report = CheckReport()
    with reader(engine) as conn:
        report.entries = conn.execute(select(func.count()).select_from(e)).scalar_one()
        report.postings = conn.execute(select(func.count()).select_from(p)).scalar_one()
        report.accounts = conn.execute(select(func.count()).select_from(a)).scalar_one()
        bad = report.violations.append

        signed = case((p.c.direction == "D", p.c.amount), else_=-p.c.amount)
        q = (select(p.c.entry_id, func.sum(signed).label("net"))
             .join(s, s.c.code == p.c.subject_code).where(s.c.on_balance_sheet.is_(True))
             .group_by(p.c.entry_id).having(func.sum(signed) != 0))
        for row in conn.execute(q):
            bad(Violation("balanced", f"entry {row.entry_id}",
                          f"debits − credits = {int(row.net)} fen"))

        natural = case((p.c.direction == s.c.side, p.c.amount), else_=-p.c.amount)
        sums = (select(p.c.account_number, func.sum(natural).label("total"))
                .join(s, s.c.code == p.c.subject_code).group_by(p.c.account_number).subquery())
        q = (select(a.c.number, a.c.balance, func.coalesce(sums.c.total, 0).label("total"))
             .outerjoin(sums, sums.c.account_number == a.c.number)
             .where(a.c.balance != func.coalesce(sums.c.total, 0)))
        for row in conn.execute(q):
            bad(Violation("balance", f"account {row.number}",
                          f"stored {int(row.balance)} ≠ postings {int(row.total)} fen"))

        q = select(a.c.number, a.c.balance, a.c.overdraft_limit).where(
            a.c.overdraft_limit.is_not(None), a.c.balance < -a.c.overdraft_limit)
        for row in conn.execute(q):
            bad(Violation("limit", f"account {row.number}",
                          f"balance {int(row.balance)} below limit −{int(row.overdraft_limit)}"))

        q = (select(e.c.idempotency_key, func.count().label("n")).group_by(e.c.idempotency_key)
             .having(func.count() > 1))
        for row in conn.execute(q):
            bad(Violation("idempotency", f"key {row.idempotency_key}", f"used {row.n} times"))

        for v in _references(conn):
            bad(v)
        for rule in rules:
            for v in rule.verify(conn):
                bad(v)

        heads = {r.teller_code: r.last_hash for r in conn.execute(select(h))}
        for v in _walk_chains(engine, heads):
            bad(v)
    return report


def _references(conn):
    b = m.Branch.__table__
    q = select(e.c.id, e.c.branch_code).where(~select(b.c.code).where(
        b.c.code == e.c.branch_code).exists())
    for row in conn.execute(q):
        yield Violation("reference", f"entry {row.id}", f"no branch {row.branch_code}")
    q = (select(p.c.entry_id, p.c.leg, p.c.subject_code, a.c.subject_code.label("own"))
         .join(a, a.c.number == p.c.account_number).where(p.c.subject_code != a.c.subject_code))
    for row in conn.execute(q):
        yield Violation("reference", f"entry {row.entry_id} leg {row.leg}",
                        f"subject {row.subject_code} is not its account's {row.own}")


def _walk_chains(engine: Engine, heads: dict[str, str]):
    last: dict[str, str] = {}
    with reader(engine) as ce, reader(engine) as cp:
        entries = ce.execution_options(yield_per=2000).execute(select(e).order_by(e.c.id))
        legs = cp.execution_options(yield_per=5000).execute(
            select(p).order_by(p.c.entry_id, p.c.leg))
        pending = next(legs, None)
        for row in entries:
            own = []
            while pending is not None and pending.entry_id < row.id:
                yield Violation("chain", f"posting {pending.id}",
                                f"belongs to missing entry {pending.entry_id}")
                pending = next(legs, None)
            while pending is not None and pending.entry_id == row.id:
                own.append(dict(pending._mapping))
                pending = next(legs, None)
            prev = last.get(row.teller_code, GENESIS_HASH)
            if row.prev_hash != prev:
                yield Violation("chain", f"entry {row.id}",
                                "does not link to the teller's previous entry "
                                "(an entry was removed or inserted)")
            if entry_hash(row.prev_hash, dict(row._mapping), own) != row.entry_hash:
                yield Violation("chain", f"entry {row.id}",
                                "content does not match its hash (edited)")
            last[row.teller_code] = row.entry_hash
        while pending is not None:
            yield Violation("chain", f"posting {pending.id}",
                            f"belongs to missing entry {pending.entry_id}")
            pending = next(legs, None)
    for teller, head_hash in heads.items():
        if last.get(teller, GENESIS_HASH) != head_hash:
            yield Violation("chain", f"teller {teller}",
                            "journal head does not match the last entry (entries removed)")
