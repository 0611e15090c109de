"""Posting-engine throughput and latency on PostgreSQL, next to pgbench's TPC-B.

    python bench/posting.py --url postgresql://postgres@127.0.0.1:5432/test \\
        --clients 8 --seconds 20 [--hot] [--profile]

Creates its own schema (``bench_<random>``, dropped at the end), migrates it,
creates the demo branch, one teller per client with a cash box signed on and
drawn (签到领用), one vault keeper (a supervisor) per client for ``--hot``, and
``--accounts`` customer accounts, each funded by one engine posting before the
clock starts — so balances equal postings and ``check_books`` holds after. The
vault and the boxes are funded with notes and coins of every denomination.

Each client is a separate *process* (no GIL between them) with its own engine
and ``Ledger``, posting a teller's mix as fast as it can:

* deposit     — cash D / customer C   (40 %)
* withdrawal  — customer D / cash C   (30 %)
* transfer    — customer D / customer C (30 %)

Every cash posting carries its count by denomination (券别, the system's
make-up, largest first), as the teller's cash page sends it; the engine writes
the box's holdings and movements with the entry. The cash leg is the teller's
own drawn box, or with ``--hot`` ONE account for every client (the branch
vault, posted by vault keepers) — the hot-row case.  ``--hot`` runs 8 and then
32 clients and reports the 32/8 throughput ratio and the deadlocks (retries
after SQLSTATE 40P01, counted from the retry wrapper's log).

In the same run pgbench's builtin TPC-B-like script runs against the same
server with the same client count and duration (``pgbench -i -s 10`` into a
separate database ``bench_pgbench``); its p50/p99 come from the per-transaction
log (``-l``, 3rd field = latency in µs).

Targets (the one engine — the kernel with every posting rule of the bank,
``teller.core.rulebook``): ≥ 0.2 × pgbench TPS and ≤ 2.5 ms of machine CPU per
posting at 8 clients; hot 32/8 ≥ 0.7. The core service (its group commit) takes
the ratio further; this measures one terminal process per client posting
straight through the kernel.
"""
from __future__ import annotations

import argparse
import datetime as dt
import cProfile
import glob
import logging
import multiprocessing as mp
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from teller.core import schema# noqa: E402
from teller.core.ledger.db import make_engine, normalize_url, reader, run_in_transaction  # noqa: E402

BRANCH = "0101"
SCRYPT_N = 2**10


def schema_url(base: str, name: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{normalize_url(base)}{sep}options=-csearch_path%3D{name}"


# -- set-up -------------------------------------------------------------------
PIECES_EACH = 200_000  # of every denomination in every box and the vault


def setup(url: str, tellers: int, n_accounts: int) -> dict:
    from teller.core.cash.counts import active_denominations
    from teller.core.demo import create_demo
    from teller.core.ledger.accounts import internal_account, open_account
    from teller.core.operators.service import OperatorService
    from teller.core.cash.counts import CashCount
    from teller.core.ledger.records import EntryRequest, Leg
    from teller.core.rulebook import ledger
    from teller.core.cash.teller_day import TellerDayService

    schema.upgrade(url)
    engine = make_engine(url)
    summary = create_demo(engine, business_date=dt.date(2026, 11, 23), scrypt_n=SCRYPT_N)
    ops = OperatorService(engine, scrypt_n=SCRYPT_N)
    boxes: dict[str, str] = {}
    customers: list[str] = []

    def work(conn):
        for i in range(1, tellers + 1):
            code = f"B{i:02d}"
            ops.create_user(conn, code=code, name=f"压测柜员{i:02d}", role="teller",
                            branch=BRANCH, password="demo123", must_change_password=False)
            boxes[code] = open_account(conn, branch=BRANCH, subject="1001",
                                       title=f"{code}尾箱现金", kind="cash_box",
                                       owner_user=code, opened_on=summary.business_date)
            ops.create_user(conn, code=f"V{i:02d}", name=f"压测金库员{i:02d}", role="supervisor",
                            auth_level="A", branch=BRANCH, password="demo123",
                            must_change_password=False)
        for i in range(n_accounts):
            customers.append(open_account(conn, branch=BRANCH, subject="2017",
                                          title=f"客户{i:05d}", kind="personal_current",
                                          opened_on=summary.business_date, overdraft_limit=0))

    run_in_transaction(engine, work)
    with reader(engine) as conn:
        vault = internal_account(conn, BRANCH, "vault")
        clearing = internal_account(conn, BRANCH, "clearing")
        denominations = sorted(active_denominations(conn), reverse=True)
    posting = ledger(engine)
    seq = iter(range(1_000_000))
    pile = tuple((d, PIECES_EACH) for d in denominations)
    pile_fen = sum(d * n for d, n in pile)

    def fund(account: str, amount: int, cash: bool) -> None:
        # Cash (1001, debit side) grows by a debit, with its notes; a deposit
        # (2017) by a credit.
        legs = ((Leg(account, "D", amount), Leg(clearing, "C", amount)) if cash
                else (Leg(clearing, "D", amount), Leg(account, "C", amount)))
        posting.post(EntryRequest(key=f"fund-{next(seq):06d}", branch=BRANCH, teller="ADM1",
                                  terminal="T01", txn_code="00000", step="fund",
                                  reversible=False, legs=legs,
                                  attachments=(CashCount(account, received=pile),)
                                  if cash else ()))

    fund(vault, pile_fen, True)
    for box in boxes.values():  # boxes are funded while kept in the vault …
        fund(box, pile_fen, True)
    for number in customers:
        fund(number, 10_000_000, False)
    day = TellerDayService(engine, ops)
    for code in boxes:          # … and drawn at sign-on
        started = day.sign_on(code, code)
        assert started.box == boxes[code], started
    engine.dispose()
    return {"boxes": boxes, "customers": customers, "vault": vault,
            "denominations": denominations}


# -- workers ------------------------------------------------------------------
class _RetryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.by_state: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("retrying core transaction") and record.args:
            k = str(record.args[0])
            self.by_state[k] = self.by_state.get(k, 0) + 1


def teller_request(rng: random.Random, key: str, teller: str, cash: str, customers: list[str],
                   denominations: list[int]):
    """One posting of a teller's mix: a cash deposit (40 %), a cash withdrawal
    (30 %) with the system's make-up of notes, or a transfer (30 %)."""
    from teller.core.cash.counts import CashCount
    from teller.core.ledger.records import EntryRequest, Leg
    from teller.domain import cash as dc

    kind = rng.random()
    amount = rng.randint(100, 100_000)
    counts: tuple = ()
    if kind < 0.7:  # the cash page's make-up (配款建议), as the flows send it
        notes = dc.pairs(dc.propose(amount, denominations))
    if kind < 0.4:
        legs, txn = (Leg(cash, "D", amount), Leg(rng.choice(customers), "C", amount)), "10020"
        counts = (CashCount(cash, received=notes),)
    elif kind < 0.7:
        legs, txn = (Leg(rng.choice(customers), "D", amount), Leg(cash, "C", amount)), "10030"
        counts = (CashCount(cash, paid=notes),)
    else:
        a, b = rng.sample(customers, 2)
        legs, txn = (Leg(a, "D", amount), Leg(b, "C", amount)), "20010"
    return EntryRequest(key=key, branch=BRANCH, teller=teller, terminal=teller, txn_code=txn,
                        step="post", legs=legs, attachments=counts)


def group_worker(url: str, tellers: list[tuple[str, str]], customers: list[str],
                 seconds: float, ready, go, start_at, run_tag: str, out,
                 denominations: list[int], max_batch: int) -> None:
    """One process, one GroupCommitter, a thread per teller submitting to it —
    the shape of the core service posting for many terminals."""
    import threading

    from teller.core.ledger.group_commit import GroupCommitter
    from teller.core.ledger.records import PostingRefused
    from teller.core.rulebook import ledger

    engine = make_engine(url, pool_size=2)
    committer = GroupCommitter(ledger(engine), max_batch=max_batch)
    lats: list[list[float]] = [[] for _ in tellers]
    refused = [0] * len(tellers)

    def client(i: int, teller: str, cash: str, deadline: float) -> None:
        rng = random.Random(i * 7919 + hash(run_tag) % 1000)
        n = 0
        while time.time() < deadline:
            n += 1
            req = teller_request(rng, f"{run_tag}-{teller}-{n:07d}", teller, cash, customers,
                                 denominations)
            t0 = time.perf_counter()
            try:
                committer.post(req)
            except PostingRefused:
                refused[i] += 1
                continue
            lats[i].append(time.perf_counter() - t0)

    for i, (teller, cash) in enumerate(tellers):  # warm-up: one posting each
        committer.post(teller_request(random.Random(i), f"{run_tag}-{teller}-warm", teller,
                                      cash, customers, denominations))
    ready.put(0)
    go.wait()
    deadline = start_at.value + seconds
    while time.time() < start_at.value:
        time.sleep(0.0005)
    before = (committer.stats.batches, committer.stats.requests, dict(committer.stats.sizes))
    cpu0 = time.process_time()
    threads = [threading.Thread(target=client, args=(i, t, c, deadline))
               for i, (t, c) in enumerate(tellers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = time.process_time() - cpu0
    stats = committer.stats
    sizes = {k: v - before[2].get(k, 0) for k, v in stats.sizes.items()
             if v - before[2].get(k, 0)}
    committer.close()
    engine.dispose()
    out.put({"lat": [x for lat in lats for x in lat], "refused": sum(refused), "retries": {},
             "cpu": cpu, "batches": stats.batches - before[0], "sizes": sizes})


def worker(idx: int, url: str, teller: str, cash: str, customers: list[str], seconds: float,
           ready, go, start_at, run_tag: str, profile_path: str | None, out,
           denominations: list[int]) -> None:
    from teller.core.ledger.records import PostingRefused
    from teller.core.rulebook import ledger

    counter = _RetryCounter()
    log = logging.getLogger("teller.core.ledger.db")
    log.setLevel(logging.INFO)
    log.addHandler(counter)
    log.propagate = False
    engine = make_engine(url, pool_size=1)
    posting = ledger(engine)
    rng = random.Random(idx * 7919 + hash(run_tag) % 1000)
    lat: list[float] = []
    refused = 0
    n = 0

    def one() -> None:
        nonlocal n, refused
        n += 1
        req = teller_request(rng, f"{run_tag}-{teller}-{n:07d}", teller, cash, customers,
                             denominations)
        t0 = time.perf_counter()
        try:
            posting.post(req)
        except PostingRefused:
            refused += 1
            return
        lat.append(time.perf_counter() - t0)

    one()  # warm-up: connection, subject map
    lat.clear()
    ready.put(idx)
    go.wait()  # every process has imported, connected and posted once
    deadline = start_at.value + seconds
    while time.time() < start_at.value:
        time.sleep(0.0005)
    prof = cProfile.Profile() if profile_path else None
    if prof:
        prof.enable()
    cpu0 = time.process_time()
    while time.time() < deadline:
        one()
    cpu = time.process_time() - cpu0
    if prof:
        prof.disable()
        prof.dump_stats(profile_path)
    engine.dispose()
    out.put({"lat": lat, "refused": refused, "retries": counter.by_state, "cpu": cpu})


def run_engine(url: str, data: dict, clients: int, seconds: float, hot: bool,
               profile: bool) -> dict:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    tag = f"r{clients}{'h' if hot else ''}{uuid.uuid4().hex[:4]}"
    ready, go, start_at = ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    prof_path = os.path.join(tempfile.gettempdir(), f"bench_posting_{tag}.prof")
    procs = []
    for i in range(clients):
        teller = f"{'V' if hot else 'B'}{i + 1:02d}"  # vault keepers post to the vault
        cash = data["vault"] if hot else data["boxes"][f"B{i + 1:02d}"]
        p = ctx.Process(target=worker, args=(i, url, teller, cash, data["customers"], seconds,
                                             ready, go, start_at, tag,
                                             prof_path if (profile and i == 0) else None, out,
                                             data["denominations"]))
        p.start()
        procs.append(p)
    for _ in procs:
        ready.get(timeout=300)
    start_at.value = time.time() + 0.2
    go.set()
    busy0 = _machine_busy()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    busy = _machine_busy() - busy0
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r["lat"])
    retries: dict[str, int] = {}
    for r in results:
        for k, v in r["retries"].items():
            retries[k] = retries.get(k, 0) + v
    return {"posted": len(lat), "tps": len(lat) / seconds, "p50": pct(lat, 50),
            "p99": pct(lat, 99), "refused": sum(r["refused"] for r in results),
            "retries": retries, "deadlocks": retries.get("40P01", 0),
            "client_cpu": sum(r["cpu"] for r in results), "machine_cpu": busy,
            "profile": prof_path if profile else None}


def run_group(url: str, data: dict, clients: int, seconds: float, max_batch: int) -> dict:
    ctx = mp.get_context("spawn")
    out, ready, go, start_at = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    tag = f"g{clients}{uuid.uuid4().hex[:4]}"
    tellers = [(f"B{i + 1:02d}", data["boxes"][f"B{i + 1:02d}"]) for i in range(clients)]
    p = ctx.Process(target=group_worker, args=(url, tellers, data["customers"], seconds, ready,
                                               go, start_at, tag, out, data["denominations"],
                                               max_batch))
    p.start()
    ready.get(timeout=300)
    start_at.value = time.time() + 0.2
    go.set()
    busy0 = _machine_busy()
    r = out.get(timeout=seconds + 120)
    busy = _machine_busy() - busy0
    p.join()
    lat = sorted(r["lat"])
    return {"posted": len(lat), "tps": len(lat) / seconds, "p50": pct(lat, 50),
            "p99": pct(lat, 99), "refused": r["refused"], "retries": {}, "deadlocks": 0,
            "client_cpu": r["cpu"], "machine_cpu": busy, "profile": None,
            "batches": r["batches"], "sizes": r["sizes"]}


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat),
    so the run can say how much of it went to the server and how much to the
    clients: on a small machine both share the same cores."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


# -- pgbench ------------------------------------------------------------------
def _pg_env(url: str) -> tuple[list[str], dict]:
    u = sa.engine.make_url(normalize_url(url))
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def pgbench_init(url: str, db: str) -> None:
    conn_args, env = _pg_env(url)
    admin = sa.create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db}")
        conn.exec_driver_sql(f"CREATE DATABASE {db}")
    admin.dispose()
    subprocess.run(["pgbench", *conn_args, "-i", "-s", "10", "-q", db], env=env, check=True,
                   capture_output=True)


def pgbench_run(url: str, db: str, clients: int, seconds: int) -> dict:
    conn_args, env = _pg_env(url)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "pgb")
        busy0 = _machine_busy()
        res = subprocess.run(["pgbench", *conn_args, "-c", str(clients), "-j", str(clients),
                              "-T", str(seconds), "-l", f"--log-prefix={prefix}", db],
                             env=env, check=True, capture_output=True, text=True)
        busy = _machine_busy() - busy0
        m = re.search(r"tps = ([0-9.]+)", res.stdout)
        lat: list[float] = []
        for path in glob.glob(prefix + "*"):
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3:
                        lat.append(int(parts[2]) / 1e6)
    lat.sort()
    return {"tps": float(m.group(1)) if m else float("nan"), "p50": pct(lat, 50),
            "p99": pct(lat, 99), "txns": len(lat), "machine_cpu": busy}


def pgbench_drop(url: str, db: str) -> None:
    admin = sa.create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db}")
    admin.dispose()


# -- main ---------------------------------------------------------------------
def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def print_profile(path: str, top: int = 25) -> None:
    print(f"\n-- cProfile of worker 0 (top {top} by tottime) --")
    pstats.Stats(path).sort_stats("tottime").print_stats(top)
    print(f"-- top {top} by cumulative --")
    pstats.Stats(path).sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default=os.environ.get("TELLER_BENCH_PG_URL",
                                                    "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--hot", action="store_true",
                    help="every cash leg hits the vault; runs 8 and 32 clients")
    ap.add_argument("--no-pgbench", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile worker 0")
    ap.add_argument("--pgbench-db", default="bench_pgbench")
    ap.add_argument("--group", action="store_true",
                    help="one process posting for all clients through a GroupCommitter")
    ap.add_argument("--max-batch", type=int, default=64)
    args = ap.parse_args(argv)

    client_counts = [8, 32] if args.hot else [args.clients]
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalize_url(args.url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    url = schema_url(args.url, name)
    rows = []
    try:
        t0 = time.time()
        data = setup(url, max(client_counts), args.accounts)
        print(f"schema {name}: {len(data['customers'])} funded accounts, "
              f"{max(client_counts)} tellers, set-up {time.time() - t0:.1f}s; "
              f"mode {'HOT (vault on every cash leg)' if args.hot else 'own cash box'}")
        if not args.no_pgbench:
            pgbench_init(args.url, args.pgbench_db)
        for n in client_counts:
            eng = (run_group(url, data, n, args.seconds, args.max_batch) if args.group else
                   run_engine(url, data, n, args.seconds, args.hot,
                              args.profile and n == client_counts[0]))
            pgb = (pgbench_run(args.url, args.pgbench_db, n, int(args.seconds))
                   if not args.no_pgbench else None)
            rows.append((n, eng, pgb))
            print(f"\n== {n} clients, {args.seconds:g}s ==")
            print(f"engine : {eng['tps']:.1f} postings/s ({eng['posted']} posted, "
                  f"{eng['refused']} refused), p50 {ms(eng['p50'])}, p99 {ms(eng['p99'])}, "
                  f"retries {eng['retries'] or 0}, deadlocks (40P01) {eng['deadlocks']}")
            if eng.get("batches"):
                sizes = ", ".join(f"{k}×{v}" for k, v in sorted(eng["sizes"].items()))
                print(f"batches: {eng['batches']} (mean {eng['posted'] / eng['batches']:.1f} "
                      f"postings); sizes {sizes[:300]}")
            if eng["posted"]:
                per = 1000 / eng["posted"]
                print(f"cpu    : {eng['machine_cpu'] * per:.2f} ms of machine CPU per posting, "
                      f"of which the client processes {eng['client_cpu'] * per:.2f} ms")
            if pgb:
                r_tps = eng["tps"] / pgb["tps"]
                r_p99 = eng["p99"] / pgb["p99"]
                print(f"pgbench: {pgb['tps']:.1f} tps ({pgb['txns']} txns), "
                      f"p50 {ms(pgb['p50'])}, p99 {ms(pgb['p99'])}, "
                      f"{pgb['machine_cpu'] * 1000 / max(1, pgb['txns']):.2f} ms machine CPU/txn")
                cpu = eng["machine_cpu"] * 1000 / max(1, eng["posted"])
                print(f"ratio  : throughput engine/pgbench {r_tps:.2f}x (target >= 0.2x: "
                      f"{'MET' if r_tps >= 0.2 else 'MISSED'}); machine CPU per posting "
                      f"{cpu:.2f} ms (target <= 2.5 ms: {'MET' if cpu <= 2.5 else 'MISSED'}); "
                      f"p99 engine/pgbench {r_p99:.2f}x")
            if eng["profile"]:
                print_profile(eng["profile"])
        if args.hot and len(rows) == 2:
            t8, t32 = rows[0][1]["tps"], rows[1][1]["tps"]
            print(f"\nHOT: throughput 8 clients {t8:.1f}/s, 32 clients {t32:.1f}/s, "
                  f"ratio 32/8 {t32 / t8:.2f} (target >= 0.7: "
                  f"{'MET' if t32 / t8 >= 0.7 else 'MISSED'}); deadlocks (40P01) "
                  f"{rows[0][1]['deadlocks']} at 8, {rows[1][1]['deadlocks']} at 32")
        from teller.core.rulebook import check_books
        engine = make_engine(url)
        report = check_books(engine)
        engine.dispose()
        print("\ncheck_books: " + report.summary().replace("\n", " | ")[:300])
        return 0 if report.ok else 1
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()
        if not args.no_pgbench:
            pgbench_drop(args.url, args.pgbench_db)


if __name__ == "__main__":
    sys.exit(main())
