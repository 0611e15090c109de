"""Day-end batch (日终) on PostgreSQL: accrual and quarterly settlement of N accounts.

    python bench/eod.py --url postgresql://postgres@127.0.0.1:5432/test \\
        [--accounts 1000000] [--history 4] [--keep]

Creates its own schema (``bench_eod_<random>``, dropped at the end unless
``--keep``), migrates it, creates the demo branch on Thu 2026-03-19 and then,
set-wise with ``generate_series`` (no Python loop per account):

* N personal current accounts (product P-CUR, 0.10 %), opened a year earlier;
* a year of history: ``--history`` monthly-spaced bulk-load entries, each with
  one posting per account (a pseudo-random deposit) and one balancing leg on
  the clearing account, balances and ``balance_after`` kept exact; accruals set
  as if the period had run since 12/21.

The bulk-load entries carry placeholder hashes (a data migration, 数据迁移, is
not a teller's chain), so ``teller check`` is not part of this run — the tests
run ``check_books`` after the batch; here we time it.

Measured, all in one run on the same table:

1. bare ``UPDATE accounts SET accrual = accrual + balance`` (rolled back);
2. ``run_day_end`` of 3/19 — its accrual step (one UPDATE), and the whole batch;
3. ``run_day_end`` of 3/20 — the settlement day: accrual, settlement (interest
   computed in SQL, one balanced and hash-chained entry per 10,000 accounts),
   and the whole batch;

then prints peak RSS of this process and the ratio accrual step / bare UPDATE.
Targets: 1M accounts accrued ≤ 60 s, RSS < 500 MB, ratio ≤ 3×.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from teller.core.rulebook import ledger
from teller.core import schema# noqa: E402
from teller.core.ledger.db import make_engine, normalize_url  # noqa: E402

BRANCH = "0101"
START = dt.date(2026, 3, 19)


def schema_url(base: str, name: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{normalize_url(base)}{sep}options=-csearch_path%3D{name}"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def generate(engine: sa.engine.Engine, n: int, history: int) -> None:
    """N accounts and ``history`` bulk-load entries of one posting each, set-wise."""
    opened = START - dt.timedelta(days=365)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO accounts (number, title, branch_code, customer_id, product_code, "
            "subject_code, kind, account_class, status, withdrawal_method, scope, balance, "
            "accrual, overdraft_limit, opened_on, pin_failures, pin_locked) "
            "SELECT '010120179' || lpad(i::text, 8, '0'), '压测客户' || i, :b, NULL, 'P-CUR', "
            "'2017', 'personal_current', 'I', 'normal', 'password', 'all_branches', 0, 0, 0, "
            ":opened, 0, false FROM generate_series(1, :n) AS i"),
            {"b": BRANCH, "n": n, "opened": opened})
        clearing = conn.execute(sa.text(
            "SELECT number FROM accounts WHERE kind = 'clearing' AND branch_code = :b"),
            {"b": BRANCH}).scalar_one()
        for k in range(history):
            on = opened + dt.timedelta(days=round(k * 365 / max(history, 1)))
            amount = "(((substr(a.number, 10)::bigint * 7919 + %d) %% 500000) + 100)" % (k * 104729)
            total = conn.execute(sa.text(
                f"SELECT sum({amount}) FROM accounts a WHERE a.number LIKE '010120179%'")).scalar_one()
            eid = conn.execute(sa.text(
                "INSERT INTO journal_entries (idempotency_key, request_digest, journal_sequence, "
                "branch_code, teller_code, terminal_code, business_date, created_at, txn_code, "
                "step, purpose, memo, reversible, offline, prev_hash, entry_hash) VALUES "
                "(:key, :h, :seq, :b, 'ADM1', 'LOAD', :on, :at, '00000', 'bulk_load', 'normal', "
                "'数据迁移', false, false, :h, :h) RETURNING id"),
                {"key": f"bench-load-{k}", "h": "0" * 64, "seq": k + 1, "b": BRANCH, "on": on,
                 "at": dt.datetime.combine(on, dt.time(9))}).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO postings (entry_id, leg, account_number, subject_code, direction, "
                "amount, balance_after, memo) "
                "SELECT :eid, 1, number, subject_code, 'D', :t, balance - :t, '数据迁移' "
                "FROM accounts WHERE number = :c"), {"eid": eid, "t": total, "c": clearing})
            conn.execute(sa.text(
                "INSERT INTO postings (entry_id, leg, account_number, subject_code, direction, "
                "amount, balance_after, memo) "
                f"SELECT :eid, 1 + substr(a.number, 10)::bigint, a.number, '2017', 'C', {amount}, "
                f"a.balance + {amount}, '数据迁移' FROM accounts a "
                "WHERE a.number LIKE '010120179%'"), {"eid": eid})
            conn.execute(sa.text(
                f"UPDATE accounts a SET balance = a.balance + {amount} "
                "WHERE a.number LIKE '010120179%'"))
            conn.execute(sa.text("UPDATE accounts SET balance = balance - :t WHERE number = :c"),
                         {"t": total, "c": clearing})
        # the period since 12/21 as if every day had closed (88 days to 3/19)
        conn.execute(sa.text("UPDATE accounts SET accrual = balance * 88 "
                             "WHERE number LIKE '010120179%'"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE accounts"))
        conn.execute(sa.text("VACUUM ANALYZE postings"))


def bare_update(engine: sa.engine.Engine) -> float:
    with engine.connect() as conn:
        tx = conn.begin()
        t0 = time.perf_counter()
        conn.execute(sa.text("UPDATE accounts SET accrual = accrual + balance"))
        seconds = time.perf_counter() - t0
        tx.rollback()
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default=os.environ.get("TELLER_BENCH_PG_URL",
                                                    "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--history", type=int, default=4, help="postings per account over the year")
    ap.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = ap.parse_args(argv)

    from teller.core.demo import create_demo
    from teller.core.day.eod import load_bank_calendar, run_day_end

    name = f"bench_eod_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalize_url(args.url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    url = schema_url(args.url, name)
    try:
        schema.upgrade(url)
        engine = make_engine(url)
        create_demo(engine, business_date=START, scrypt_n=2**10)
        t0 = time.perf_counter()
        generate(engine, args.accounts, args.history)
        print(f"schema {name}: {args.accounts:,} accounts, {args.history} history postings "
              f"each, generated in {time.perf_counter() - t0:.1f}s")
        cal = load_bank_calendar()
        bare = bare_update(engine)
        print(f"bare UPDATE accounts SET accrual = accrual + balance: {bare:.2f}s")

        t0 = time.perf_counter()
        r1 = run_day_end(engine, BRANCH, post=ledger(engine).post, calendar=cal)
        whole1 = time.perf_counter() - t0
        acc = r1.seconds["accrual"]
        print(f"eod {r1.business_date}: accrual {acc:.2f}s ({r1.accrued_accounts:,} accounts), "
              f"whole batch {whole1:.2f}s, peak RSS {rss_mb():.0f} MB")

        t0 = time.perf_counter()
        r2 = run_day_end(engine, BRANCH, post=ledger(engine).post, calendar=cal)
        whole2 = time.perf_counter() - t0
        print(f"eod {r2.business_date} (settlement day): accrual {r2.seconds['accrual']:.2f}s, "
              f"settlement {r2.seconds['settlement']:.2f}s ({r2.settled_accounts:,} accounts, "
              f"{r2.interest_total / 100:,.2f} yuan, {r2.interest_entries} entries), "
              f"whole batch {whole2:.2f}s → next {r2.next_business_date}")
        bare2 = bare_update(engine)
        print(f"bare UPDATE again: {bare2:.2f}s")
        ratio = acc / bare
        print(f"\naccrual of {args.accounts:,} accounts: {acc:.2f}s (target ≤ 60 s at 1M); "
              f"ratio to bare UPDATE {ratio:.2f}x (target ≤ 3x); "
              f"peak RSS {rss_mb():.0f} MB (target < 500 MB)")
        engine.dispose()
    finally:
        if not args.keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
