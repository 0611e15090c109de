"""A bank under fire: 16 tellers transfer money for ~20 s while faults are injected.

Runs only against PostgreSQL (``TELLER_TEST_PG_URL``); ``TELLER_BANK_SECONDS``
shortens it.  While 16 worker threads (one teller each, one shared
``Ledger``) move random amounts between 20 customer accounts:

* two readers sum the 20 balances in one statement — the sum never moves and
  no balance goes below zero (overdraft limit 0);
* a killer terminates every worker backend about twice a second;
* ~2 % of journal-entry INSERTs raise a real SQLSTATE 40001 (a trigger in the
  server), so the retry wrapper goes round again;
* some requests time out on the client and are re-sent with the same key,
  concurrently with the first attempt, and once more afterwards: the repeat
  must come back ``replayed=True`` with the same entry id.

Afterwards the books must check, the total must be unchanged, and every key a
worker believes posted must be in the journal exactly once.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import random
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from teller.core import schema
from teller.core.ledger.db import CoreUnavailable, make_engine, reader, run_in_transaction
from teller.core.demo import create_demo
from teller.core.rulebook import check_books
from teller.core.ledger.accounts import internal_account, open_account
from teller.core.operators.service import OperatorService
from teller.core.rulebook import ledger
from teller.core.ledger.records import EntryRequest, Leg, PostedEntry, PostingRefused
from tests.conftest import BUSINESS_DATE, FAST_SCRYPT

BRANCH = "0101"
WORKERS = 16
ACCOUNTS = 20
INITIAL = 1_000_000  # fen per account
INJECT_RATE = 0.02
TIMEOUT_RATE = 0.04

KILL_SQL = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = 'bank-worker'")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.c: Counter[str] = Counter()

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.c[name] += n


class RetryLog(logging.Handler):
    """Counts the retry wrapper's own retries by SQLSTATE / exception name."""

    def __init__(self, stats: Stats) -> None:
        super().__init__(logging.INFO)
        self.stats = stats

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("retrying core transaction") and record.args:
            self.stats.add(f"retry:{record.args[0]}")
            self.stats.add("retries_inner")


def _setup(url: str) -> tuple[list[str], str]:
    schema.upgrade(url)
    admin = make_engine(url)
    try:
        summary = create_demo(admin, business_date=BUSINESS_DATE, scrypt_n=FAST_SCRYPT)
        ops = OperatorService(admin, scrypt_n=FAST_SCRYPT)
        numbers: list[str] = []

        def work(conn):
            for i in range(1, WORKERS + 1):
                ops.create_user(conn, code=f"W{i:02d}", name=f"压测柜员{i:02d}", role="teller",
                                branch=BRANCH, password="demo123", must_change_password=False)
            for i in range(ACCOUNTS):
                numbers.append(open_account(
                    conn, branch=BRANCH, subject="2017", title=f"压测客户{i:02d}",
                    kind="personal_current", opened_on=summary.business_date,
                    overdraft_limit=0))

        run_in_transaction(admin, work)
        with reader(admin) as conn:
            clearing = internal_account(conn, BRANCH, "clearing")
        posting = ledger(admin)
        for i, number in enumerate(numbers):
            posting.post(EntryRequest(
                key=f"fund-{i:03d}", branch=BRANCH, teller="ADM1", terminal="T01",
                txn_code="00000", step="fund", reversible=False,
                legs=(Leg(clearing, "D", INITIAL), Leg(number, "C", INITIAL))))
        return numbers, clearing
    finally:
        admin.dispose()


@pytest.mark.slow
def test_bank_survives_kills_serialization_failures_and_retries(pg_url):
    seconds = float(os.environ.get("TELLER_BANK_SECONDS", "20"))
    numbers, _ = _setup(pg_url)
    stats = Stats()
    failures: list[str] = []
    posted: dict[str, int] = {}          # key -> entry id, as the workers believe
    in_doubt: set[str] = set()           # gave up while unavailable; settle by find()
    posted_lock = threading.Lock()

    workers_engine = make_engine(pg_url, pool_size=WORKERS * 2 + 4,
                                 connect_args={"application_name": "bank-worker"})
    admin = make_engine(pg_url, pool_size=6, connect_args={"application_name": "bank-admin"})

    # A trigger raises the real 40001 in the server and counts it in a sequence
    # (sequences survive the rollback).
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE SEQUENCE injected_40001")
        conn.exec_driver_sql(f"""
            CREATE FUNCTION inject_40001() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF random() < {INJECT_RATE} THEN
                    PERFORM nextval('injected_40001');
                    RAISE EXCEPTION 'injected' USING ERRCODE = '40001';
                END IF;
                RETURN NEW;
            END $$""")
        conn.exec_driver_sql("CREATE TRIGGER inject_40001 BEFORE INSERT ON journal_entries "
                             "FOR EACH ROW WHEN (NEW.teller_code LIKE 'W%%') "
                             "EXECUTE FUNCTION inject_40001()")

    handler = RetryLog(stats)
    db_log = logging.getLogger("teller.core.ledger.db")
    old_level = db_log.level
    db_log.setLevel(logging.INFO)
    db_log.addHandler(handler)

    engine = ledger(workers_engine)
    with admin.connect() as conn:
        total0 = conn.execute(sa.text("SELECT SUM(balance) FROM accounts WHERE number = ANY(:n)"),
                              {"n": numbers}).scalar_one()
    assert total0 == INITIAL * ACCOUNTS
    stop = threading.Event()

    def record(key: str, res: PostedEntry) -> None:
        with posted_lock:
            prev = posted.get(key)
            if prev is not None and prev != res.entry_id:
                failures.append(f"{key}: entry {res.entry_id} after {prev}")
            posted[key] = res.entry_id
        if res.replayed:
            stats.add("replays")

    def post_until_settled(req: EntryRequest) -> PostedEntry | None:
        """Post, treating CoreUnavailable as 'try again later with the same key'."""
        for attempt in range(40):
            try:
                res = engine.post(req)
            except PostingRefused as exc:
                if exc.code != "insufficient":
                    failures.append(f"{req.key}: unexpected refusal {exc.code}")
                stats.add("refused_insufficient")
                return None
            except CoreUnavailable:
                stats.add("unavailable_retries")
                time.sleep(0.05 * (attempt + 1))
                continue
            record(req.key, res)
            return res
        with posted_lock:
            in_doubt.add(req.key)
        return None

    def worker(i: int) -> None:
        teller = f"W{i:02d}"
        rng = random.Random(i)
        side = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{teller}-side")
        n = 0
        try:
            while not stop.is_set():
                n += 1
                a, b = rng.sample(numbers, 2)
                amount = (rng.randint(1, 50_000) if rng.random() < 0.9
                          else rng.randint(500_000, 3_000_000))
                req = EntryRequest(
                    key=f"{teller}-{n:06d}", branch=BRANCH, teller=teller, terminal=teller,
                    txn_code="20010", step="transfer",
                    legs=(Leg(a, "D", amount), Leg(b, "C", amount)))
                if rng.random() >= TIMEOUT_RATE:
                    if post_until_settled(req) is not None:
                        stats.add("transfers_posted")
                    continue
                # The client gives up waiting almost at once and re-sends the
                # same key while the first attempt is still running.
                first = side.submit(post_until_settled, req)
                try:
                    r1 = first.result(timeout=0.002)
                except cf.TimeoutError:
                    stats.add("client_timeouts")
                    r1 = None
                r2 = post_until_settled(req)
                r1 = first.result() if r1 is None else r1
                results = [r for r in (r1, r2) if r is not None]
                if results:
                    stats.add("transfers_posted")
                    if len({r.entry_id for r in results}) != 1:
                        failures.append(f"{req.key}: two entries {results}")
                    if sum(not r.replayed for r in results) > 1:
                        failures.append(f"{req.key}: posted twice unreplayed")
                    # ... and once more, after both have settled: a pure replay.
                    r3 = post_until_settled(req)
                    if r3 is None or not r3.replayed or r3.entry_id != results[0].entry_id:
                        failures.append(f"{req.key}: third send gave {r3}")
                    else:
                        stats.add("timeout_replays_ok")
        except Exception as exc:  # noqa: BLE001 - surfaced through failures
            failures.append(f"worker {teller}: {exc!r}")
        finally:
            side.shutdown(wait=True)

    def reader_loop() -> None:
        q = sa.text("SELECT SUM(balance), MIN(balance) FROM accounts WHERE number = ANY(:n)")
        while not stop.is_set():
            try:
                with admin.connect() as conn:
                    total, low = conn.execute(q, {"n": numbers}).one()
            except Exception as exc:  # noqa: BLE001
                failures.append(f"reader: {exc!r}")
                return
            stats.add("reads")
            if total != total0:
                failures.append(f"reader saw total {total} != {total0}")
            if low < 0:
                failures.append(f"reader saw a negative balance {low}")

    def killer() -> None:
        while not stop.wait(0.5):
            try:
                with admin.connect() as conn:
                    killed = conn.execute(sa.text(KILL_SQL)).scalars().all()
                    conn.commit()
                stats.add("backends_killed", sum(1 for k in killed if k))
            except Exception as exc:  # noqa: BLE001
                failures.append(f"killer: {exc!r}")

    threads = ([threading.Thread(target=worker, args=(i,), name=f"W{i:02d}")
                for i in range(1, WORKERS + 1)]
               + [threading.Thread(target=reader_loop, name=f"R{j}") for j in range(2)]
               + [threading.Thread(target=killer, name="killer")])
    started = time.monotonic()
    try:
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread did not stop"
    finally:
        stop.set()
        db_log.removeHandler(handler)
        db_log.setLevel(old_level)
    elapsed = time.monotonic() - started

    # Keys given up on while the core was unavailable: settle them by key.
    for key in sorted(in_doubt):
        found = ledger(admin).find(key)
        if found is not None:
            record(key, found)

    report = check_books(admin)
    with admin.connect() as conn:
        total1 = conn.execute(sa.text("SELECT SUM(balance) FROM accounts WHERE number = ANY(:n)"),
                              {"n": numbers}).scalar_one()
        counts = dict(conn.execute(sa.text(
            "SELECT idempotency_key, COUNT(*) FROM journal_entries "
            "WHERE teller_code LIKE 'W%' GROUP BY idempotency_key")).all())
        ids = dict(conn.execute(sa.text(
            "SELECT idempotency_key, id FROM journal_entries WHERE teller_code LIKE 'W%'")).all())
        n_entries = conn.execute(sa.text(
            "SELECT COUNT(*) FROM journal_entries WHERE teller_code LIKE 'W%'")).scalar_one()
        injected = conn.execute(sa.text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                                        "FROM injected_40001")).scalar_one()
    stats.add("injected_40001", injected)
    workers_engine.dispose()
    admin.dispose()

    c = stats.c
    retries = {k: v for k, v in sorted(c.items()) if k.startswith("retry:")}
    print(f"\n[bank] {elapsed:.1f}s, {WORKERS} workers: transfers posted {c['transfers_posted']}, "
          f"refusals (insufficient) {c['refused_insufficient']}, "
          f"inner retries {c['retries_inner']} {retries}, "
          f"CoreUnavailable re-sends {c['unavailable_retries']}, in doubt {len(in_doubt)}")
    print(f"[bank] faults: backends killed {c['backends_killed']}, 40001 injected "
          f"{c['injected_40001']}, client timeouts {c['client_timeouts']}, replays seen "
          f"{c['replays']} (timeout re-sends verified {c['timeout_replays_ok']}); "
          f"reader checks {c['reads']}; journal entries {n_entries}, keys {len(posted)}")
    print("[bank] " + report.summary().replace("\n", "\n[bank] "))

    assert not failures, failures[:20]
    assert report.ok, report.summary()
    assert total1 == total0
    missing = [k for k in posted if counts.get(k) != 1]
    assert not missing, f"keys not posted exactly once: {missing[:20]}"
    wrong_id = [k for k, eid in posted.items() if ids.get(k) != eid]
    assert not wrong_id, f"entry ids differ from what the workers got: {wrong_id[:20]}"
    assert all(v == 1 for v in counts.values())
    assert n_entries == len(posted), (n_entries, len(posted))
    assert c["transfers_posted"] > 0
    assert c["backends_killed"] > 0
    assert c["injected_40001"] > 0
    assert c["retry:40001"] > 0
    assert c["replays"] > 0
    assert c["timeout_replays_ok"] > 0
