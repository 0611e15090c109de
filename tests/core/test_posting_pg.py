"""The PostgreSQL posting function against the Python engine (differential).

GIVEN two fresh PostgreSQL schemas with the same demo branch
WHEN the same random sequence of postings, reversals, controls, status and
     branch changes is applied — through the Python engine on one schema and
     through ``teller_post()`` on the other, with the same clock
THEN every step has the same outcome (same journal number, balances and
     replay flag, or the same refusal code, messages and account), the tables
     end identical (entries with their hashes, postings, heads, balances,
     authorizations) and ``check_books`` passes on both.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from teller.core.controls.models import AccountControl, LimitRule, LimitUsage
from teller.core.operators.models import Authorization
from teller.core.ledger import models as m
from teller.core import schema
from teller.core.ledger.db import make_engine, normalize_url, reader, run_in_transaction
from teller.core.demo import create_demo
from teller.core.ledger.integrity import check_books
from teller.core.ledger.accounts import internal_account, open_account
from teller.core.ledger.engine import PostingEngine
from teller.core.ledger.posting_pg import PgPoster, expected_rules, installed_rules
from tests.conftest import BUSINESS_DATE, float_account, FAST_SCRYPT, PG_URL, pg_schema_url

pytestmark = pytest.mark.postgres
BDATE = dt.date(2026, 11, 23)
CONTROL_KINDS = ("hold", "receive_only", "pay_only", "sealed", "freeze_full", "freeze_partial",
                 "freeze_one_way", "loss_report")
PURPOSES = ("normal", "judicial_deduction", "hold_deduction", "loan_repayment")
_examples = itertools.count(1)


class Side:
    """One schema with its engine; ``accounts`` is the same list on both sides."""

    def __init__(self, url: str, server_side: bool, clock) -> None:
        schema.upgrade(url)
        self.engine = make_engine(url)
        create_demo(self.engine, business_date=BDATE, scrypt_n=FAST_SCRYPT)
        self.accounts = run_in_transaction(self.engine, self._extra_accounts)
        # demo set-up entries (several tellers' by now) carry the wall clock:
        # everything after this id is the test's
        with reader(self.engine) as conn:
            self.setup_max = conn.execute(sa.select(sa.func.max(m.JournalEntry.id))).scalar()
        self.posting = PostingEngine(self.engine, clock=clock, server_side=server_side)
        self.posted: list[int] = []  # entry ids of this side's new entries, in order
        self.posted_requests: list = []
        self.limits = itertools.count(1)

    @staticmethod
    def _extra_accounts(conn) -> list[str]:
        def acct(**kw):
            return open_account(conn, branch="0101", opened_on=BDATE, **kw)
        # Cash boxes and the vault need note counts (teller.core.cash.counts) and so
        # always take the Python path; the engines are compared on non-cash
        # internal accounts standing where the boxes stood.
        found = [acct(subject="6411", title=f"过渡户{i}", kind=f"engine_float_{i}",
                      overdraft_limit=None) for i in range(3)]
        found.append(internal_account(conn, "0101", "clearing", None))
        found += list(conn.execute(sa.select(m.Account.number).where(
            m.Account.kind == "personal_current").order_by(m.Account.number)).scalars())
        found.append(acct(subject="2017", title="透支户", kind="personal_current",
                          overdraft_limit=123_456))
        found.append(acct(subject="9001", title="重要空白凭证", kind="blank_vouchers",
                          overdraft_limit=None))
        found.append(acct(subject="2012", title="单位户", kind="unit_current"))
        found.append("01012017999999990")  # 10: no such account
        # 11, 12: accounts under rules only the Python engine knows (the function
        # hands their requests over): a time deposit's kind, a class III ceiling
        found.append(acct(subject="2017", title="定期户", kind="personal_time"))
        found.append(acct(subject="2017", title="Ⅲ类户", kind="personal_current",
                          account_class="III"))
        return found

    def dump(self) -> dict:
        e, p, h, a, z = (m.JournalEntry.__table__, m.Posting.__table__,
                         m.TellerJournalHead.__table__, m.Account.__table__,
                         Authorization.__table__)
        with reader(self.engine) as conn:
            def rows(q):
                return [tuple(r) for r in conn.execute(q)]
            usage = LimitUsage.__table__
            return {
                "limit_usage": rows(sa.select(usage).order_by(*usage.primary_key.columns)),
                "entries": rows(sa.select(e).where(e.c.id > self.setup_max).order_by(e.c.id)),
                "postings": rows(sa.select(p).where(p.c.entry_id > self.setup_max)
                                 .order_by(p.c.id)),
                "heads": rows(sa.select(h).where(h.c.last_entry_id > self.setup_max)
                              .order_by(h.c.teller_code)),
                "accounts": rows(sa.select(a.c.number, a.c.balance, a.c.status)
                                 .order_by(a.c.number)),
                "authorizations": rows(sa.select(z).order_by(z.c.id)),
            }


@pytest.fixture
def pair():
    if not PG_URL:
        pytest.skip("TELLER_TEST_PG_URL not set: PostgreSQL tests skipped")
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = sa.create_engine(normalize_url(PG_URL))
    with admin.begin() as conn:
        for n in names:
            conn.execute(sa.text(f"CREATE SCHEMA {n}"))
    now = [dt.datetime(2026, 11, 23, 9, 0, 0)]
    clock = lambda: now[0]  # noqa: E731 - both engines read the time the test sets
    sides = (Side(pg_schema_url(PG_URL, names[0]), False, clock),
             Side(pg_schema_url(PG_URL, names[1]), True, clock))
    yield sides, now
    for s in sides:
        s.engine.dispose()
    with admin.begin() as conn:
        for n in names:
            conn.execute(sa.text(f"DROP SCHEMA {n} CASCADE"))
    admin.dispose()


# -- the random operations ----------------------------------------------------
memo_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    max_size=8)
amount = st.one_of(st.integers(1, 5_000), st.integers(1, 20_000_000),
                   st.sampled_from([1_250_000, 1_250_001, 123_456]))
# accounts 4-6 are the demo customers: most legs, controls and status changes hit them
account = st.one_of(st.integers(0, 12), st.integers(4, 6))
existing = st.one_of(st.sampled_from([0, 1, 2, 3, 7, 8, 9, 11, 12]),
                     st.integers(4, 6))  # 10 is the missing account
leg = st.tuples(account, st.sampled_from("DC"), amount, memo_text)
grant = st.integers(0, 3).flatmap(lambda k: st.none() if k else st.tuples(
    st.sampled_from(["S001", "S002", "T001", "T002", "Z9"]), st.sampled_from("AB"),
    st.sampled_from([None, "A", "B"]), memo_text))
post_op = st.tuples(
    st.just("post"), st.sampled_from(["T001", "T002"] * 4 + ["X99"]),
    st.one_of(st.lists(leg, min_size=1, max_size=4),  # most of these do not balance
              st.lists(st.tuples(account, account, amount, memo_text),
                       min_size=1, max_size=2)),  # balanced pairs
    st.sampled_from(PURPOSES + ("normal",) * 4), grant, st.booleans(), memo_text,
    # the plain teller steps, and steps only the Python engine posts (service-only,
    # time-deposit kinds)
    st.sampled_from(["10030"] * 12 + ["10020", "10110", "10130", "18410", "EODTD"]))
other_op = st.one_of(
    st.tuples(st.just("repeat"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("repeat"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.sampled_from(["T001", "T002"]),
              st.sampled_from(["S001", "S002", "T001"])),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.sampled_from(["T001", "T002"]),
              st.sampled_from(["S001", "S002", "T001"])),
    st.tuples(st.just("control"), existing, st.sampled_from(CONTROL_KINDS),
              st.integers(0, 2_000_000), st.sampled_from([None, -1, 0, 1])),
    st.tuples(st.just("control"), existing, st.sampled_from(CONTROL_KINDS),
              st.integers(0, 2_000_000), st.sampled_from([None, -1, 0, 1])),
    st.tuples(st.just("release"), existing),
    # a transaction-limit rule (18101): single maximum, daily count, balance floor
    st.tuples(st.just("limit"), existing, st.sampled_from(["any", "in", "out"]),
              st.sampled_from([None, 1_000, 100_000]), st.sampled_from([None, 1, 2]),
              st.sampled_from([None, 500_000]), st.sampled_from(["reject", "warn", "auth_a"])),
    st.tuples(st.just("status"), existing,
              st.sampled_from(["normal", "dormant", "closed", "settled", "off_book"])),
    st.tuples(st.just("branch"), st.sampled_from(["next_day", "closing", "open"])),
)
ops = st.lists(st.integers(0, 9).flatmap(lambda k: post_op if k < 6 else other_op),
               min_size=1, max_size=20)


def build_request(op, accounts: list[str], key: str):
    from teller.core.ledger.records import AuthGrant, EntryRequest, Leg
    _, teller, legs, purpose, auth, reversible, memo, txn = op if len(op) == 8 else (*op, "10030")
    if legs and len(legs[0]) == 4 and isinstance(legs[0][1], int):  # balanced pairs
        made = []
        for d, c, amt, lm in legs:
            made += [Leg(accounts[d], "D", amt, lm), Leg(accounts[c], "C", amt)]
    else:
        made = [Leg(accounts[i], d, amt, lm) for i, d, amt, lm in legs]
    authorization = required = None
    if auth is not None:
        supervisor, level, required, remark = auth
        authorization = AuthGrant(supervisor, level, ("大额取现", remark), remark)
    return EntryRequest(key=key, branch="0101", teller=teller, terminal="T01", txn_code=txn,
                        step="post", legs=tuple(made), memo=memo, purpose=purpose,
                        reversible=reversible, required_level=required,
                        authorization=authorization)


def outcome(fn):
    from teller.core.ledger.records import PostingRefused
    try:
        r = fn()
    except PostingRefused as exc:
        return ("refused", exc.code, exc.message, exc.message_en, exc.account)
    return ("posted", r.entry_id, r.journal_number, r.replayed, r.created_at, r.legs,
            r.reverses_entry_id, r.txn_code, r.step, r.warnings)


def apply(side: Side, op, prefix: str, requests: list) -> tuple:
    kind = op[0]
    if kind == "post":
        req = build_request(op, side.accounts, f"{prefix}-{len(requests)}")
        requests.append(req)
        got = outcome(lambda: side.posting.post(req))
        if got[0] == "posted":
            side.posted_requests.append(req)
        return got
    if kind == "repeat":
        if not side.posted_requests:
            return ("nothing",)
        req = side.posted_requests[op[1] % len(side.posted_requests)]
        if not op[2]:  # the same key for a different request
            req = dataclasses.replace(req, txn_code="10031")
        return outcome(lambda: side.posting.post(req))
    if kind == "reverse":
        if not side.posted:
            return ("nothing",)
        from teller.core.ledger.records import AuthGrant
        target = side.posted[op[1] % len(side.posted)]
        return outcome(lambda: side.posting.reverse(
            target, key=f"{prefix}-rev-{op[1]}-{op[2]}", teller=op[2], terminal="T01",
            authorization=AuthGrant(op[3], "A", ("冲正",))))
    c = AccountControl.__table__
    if kind == "control":
        _, i, ctl, amt, expires = op
        run_in_transaction(side.engine, lambda conn: conn.execute(sa.insert(c).values(
            account_number=side.accounts[i], kind=ctl, amount=amt, incident_number="1" * 19,
            status="active", starts_on=BDATE,
            expires_on=None if expires is None else BDATE + dt.timedelta(days=expires),
            created_by="S001", created_at=dt.datetime(2026, 11, 23, 8), detail="{}")))
    elif kind == "limit":
        _, i, direction, single_max, daily_count, floor, action = op
        run_in_transaction(side.engine, lambda conn: conn.execute(
            sa.insert(LimitRule.__table__).values(
                incident_number=f"9{next(side.limits):018d}", account_number=side.accounts[i],
                direction=direction, single_max=single_max, daily_count=daily_count,
                balance_floor=floor, action=action, status="active", starts_on=BDATE,
                created_by="S001", created_at=dt.datetime(2026, 11, 23, 8))))
    elif kind == "release":
        run_in_transaction(side.engine, lambda conn: conn.execute(
            sa.update(c).where(c.c.account_number == side.accounts[op[1]])
            .values(status="released")))
    elif kind == "status":
        run_in_transaction(side.engine, lambda conn: conn.execute(
            sa.update(m.Account.__table__).where(m.Account.number == side.accounts[op[1]])
            .values(status=op[2])))
    elif kind == "branch":
        b = m.Branch.__table__
        values = ({"business_date": b.c.business_date + 1} if op[1] == "next_day"
                  else {"status": op[1]})
        run_in_transaction(side.engine, lambda conn: conn.execute(sa.update(b).values(**values)))
    return ("done",)


def _post(legs, purpose="normal", teller="T001", txn="10030"):
    return ("post", teller, legs, purpose, None, True, "", txn)


# Every rule at least once, whatever the random phase draws (4 = a customer, 0 = T001's box).
EVERY_RULE = [
    ("control", 4, "sealed", 0, None), _post([(4, 0, 100, "")]),
    ("release", 4), ("control", 4, "pay_only", 0, None), _post([(0, 4, 100, "")]),
    _post([(4, 0, 100, "")]),
    ("release", 4), ("control", 4, "hold", 1_000_000, None),
    ("control", 4, "freeze_partial", 200_000, 1), ("control", 4, "hold", 7, -1),
    _post([(4, 0, 60_000, "")]), _post([(4, 0, 60_000, "")], "hold_deduction"),
    _post([(4, 0, 6_000, "")], "judicial_deduction"),
    ("control", 4, "loss_report", 0, None), _post([(4, 0, 100, "")], "loan_repayment"),
    _post([(4, 0, 100, "")]), _post([(0, 4, 100, "")]),
    _post([(5, 0, 20_000_000, "")]), ("control", 5, "freeze_full", 0, None), _post([(0, 5, 100, "")]),
    _post([(5, 0, 100, "")], "judicial_deduction"), _post([(5, 0, 100, "")]),
    ("control", 6, "freeze_one_way", 0, 0), ("control", 6, "receive_only", 0, None),
    _post([(6, 0, 100, "")]), _post([(0, 6, 100, "")]),
    ("status", 7, "dormant"), _post([(7, 0, 100, "")]), _post([(0, 7, 100, "")]),
    ("status", 4, "closed"), _post([(0, 4, 100, "")]),
    ("branch", "next_day"), _post([(5, 0, 1, "")], "judicial_deduction"),
    ("branch", "open"), ("status", 4, "normal"), ("release", 4),
    # the Python-only rules: time-deposit kind, class III ceiling, limits, service steps
    _post([(0, 11, 100, "")]), _post([(0, 11, 100, "")], txn="10110"),
    _post([(11, 0, 100, "")], "judicial_deduction"),
    _post([(0, 12, 150_000, "")]), _post([(0, 12, 50_001, "")]),
    ("limit", 4, "out", 1_000, 1, None, "reject"), _post([(4, 0, 1_001, "")]),
    _post([(4, 0, 1_000, "")]), _post([(4, 0, 500, "")]),
    ("limit", 6, "any", None, None, 500_000, "warn"), _post([(6, 0, 600_000, "")]),
    _post([(0, 6, 100, "")], txn="18410"), ("repeat", 3, True),
    ("reverse", 40, "T002", "S001"),
]


@example(script=EVERY_RULE)
@settings(max_examples=150, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(script=ops)
def test_function_and_python_engine_agree_step_by_step(pair, script):
    (py, pg), now = pair
    # Both schemas carry the state of earlier examples — identical as long as
    # every earlier example agreed (which each one asserts), so no shrinking.
    prefix = f"d{next(_examples)}"
    requests_py: list = []
    requests_pg: list = []
    for side in (py, pg):  # each example starts from an open branch and plain accounts
        run_in_transaction(side.engine, _reset)
    for step, op in enumerate(script):
        now[0] = now[0] + dt.timedelta(seconds=1, microseconds=step * 7919 % 1_000_000)
        got_py = apply(py, op, prefix, requests_py)
        got_pg = apply(pg, op, prefix, requests_pg)
        assert got_pg == got_py, f"step {step} {op!r}"
        event(f"{got_py[0]} {got_py[1]}" if got_py[0] == "refused" else
              f"{got_py[0]} replayed={got_py[3]}" if got_py[0] == "posted" else got_py[0])
        if got_py[0] == "posted" and not got_py[3]:
            py.posted.append(got_py[1])
            pg.posted.append(got_pg[1])
    assert pg.posting._post_step.__self__._ready, "the function was not used"
    assert pg.dump() == py.dump()
    for side in (py, pg):
        report = check_books(side.engine)
        assert report.ok, report.summary()


def _reset(conn) -> None:
    conn.execute(sa.update(m.Branch.__table__).values(status="open"))
    conn.execute(sa.update(m.Account.__table__).values(status="normal"))
    conn.execute(sa.update(AccountControl.__table__).values(status="released"))
    conn.execute(sa.update(LimitRule.__table__).values(status="released"))


def test_the_function_is_used_and_its_rules_are_the_python_engines(pg_url):
    # GIVEN a migrated PostgreSQL core
    schema.upgrade(pg_url)
    engine = make_engine(pg_url)
    try:
        posting = PostingEngine(engine)
        # THEN the engine posts through the function, whose rule table is the Python one
        assert isinstance(posting._post_step.__self__, PgPoster)
        with reader(engine) as conn:
            assert installed_rules(conn) == expected_rules()
    finally:
        engine.dispose()


def test_downgrade_drops_the_function_and_the_engine_falls_back(pg_url):
    # GIVEN a demo core migrated to head, then taken back below the function's
    # migration (0018; the later ones go with it and come back with the upgrade)
    schema.upgrade(pg_url)
    engine = make_engine(pg_url)
    try:
        demo = create_demo(engine, business_date=BUSINESS_DATE, scrypt_n=FAST_SCRYPT)
        schema.downgrade(pg_url, "0017_controls")
        with reader(engine) as conn:
            assert installed_rules(conn) is None
        # WHEN a deposit is posted
        from teller.core.ledger.records import EntryRequest, Leg
        box = float_account(engine)  # not cash: cash legs always take the Python path
        posting = PostingEngine(engine)
        posted = posting.post(EntryRequest(
            key="fallback-1", branch="0101", teller="T001", terminal="T01", txn_code="10020",
            step="post", legs=(Leg(box, "D", 500), Leg(demo.accounts[0][0], "C", 500))))
        # THEN it is posted by the Python engine and the books still check
        assert posted.journal_sequence == 1
        assert posting._post_step.__self__._ready is False
        schema.upgrade(pg_url)
        with reader(engine) as conn:
            assert installed_rules(conn) == expected_rules()
        # (checked at head: check_books reads the tables as the code has them)
        assert check_books(engine).ok
    finally:
        engine.dispose()


def test_the_call_survives_psycopg_deallocating_every_statement(pg_url):
    # GIVEN a core posted to once over its only connection, so the call is prepared
    schema.upgrade(pg_url)
    engine = make_engine(pg_url, pool_size=1)
    try:
        demo = create_demo(engine, business_date=BUSINESS_DATE, scrypt_n=FAST_SCRYPT)
        from teller.core.ledger.records import EntryRequest, Leg
        box, customer = float_account(engine), demo.accounts[0][0]
        posting = PostingEngine(engine)

        def deposit(key: str):
            return posting.post(EntryRequest(
                key=key, branch="0101", teller="T001", terminal="T01", txn_code="10020",
                step="post", legs=(Leg(box, "D", 500), Leg(customer, "C", 500))))
        first = deposit("dealloc-1")
        # WHEN the session's prepared statements go, as psycopg drops them after
        # a rollback — once between postings, once inside a caller's transaction
        run_in_transaction(engine, lambda c: c.exec_driver_sql("DEALLOCATE ALL"))
        second = deposit("dealloc-2")

        def inside(conn):
            conn.exec_driver_sql("DEALLOCATE ALL")
            return posting._post_step(conn, EntryRequest(
                key="dealloc-3", branch="0101", teller="T001", terminal="T01",
                txn_code="10020", step="post", legs=(Leg(box, "D", 500),
                                                     Leg(customer, "C", 500))), "d" * 64)
        third = run_in_transaction(engine, inside)
        # THEN every posting is made once, by the function, in order
        assert posting._post_step.__self__._ready is True
        assert [p.journal_sequence for p in (first, second, third)] == [
            first.journal_sequence, first.journal_sequence + 1, first.journal_sequence + 2]
        assert deposit("dealloc-2").replayed
        checker = make_engine(pg_url)  # check_books reads over three connections
        assert check_books(checker).ok
        checker.dispose()
    finally:
        engine.dispose()


# Names of posting.py the function re-implements (kept equal by the differential
# test above) or that are no rule at all; everything else posting.py defines or
# imports from another core module must be named in posting_pg.RULE_COVERAGE.
MIRRORED = {
    "GENESIS_HASH", "T", "Guard", "Record", "entry_digest", "entry_hash", "_validate_shape",
    "authorization_problem", "PostingEngine", "__init__", "post", "find_in", "reverse",
    "post_in", "transaction", "find", "_post_in", "_subject_map", "_lock_head",
    "_lock_accounts", "_check_balanced", "_check_leg", "_check_reversal",
    "_check_authorization", "_is_race", "_result", "m",
}
INFRASTRUCTURE = {"teller.core.ledger.models", "teller.core.ledger.db",
                  "teller.core.ledger.records", "teller.core.ledger.posting_pg",
                  "teller.core.operators.models", "teller.core.controls.models"}


def test_every_rule_of_posting_py_is_kept_by_the_server_side_path():
    # GIVEN posting.py's source: its module-level tables, functions, engine
    # methods and what it imports from the other core modules
    import ast
    import inspect

    from teller.core.ledger import engine as posting
    from teller.core.ledger import posting_pg
    tree = ast.parse(inspect.getsource(posting))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names |= {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("teller.core.") \
                and node.module not in INFRASTRUCTURE:
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("teller.core.")
                      and a.name not in INFRASTRUCTURE}
    # THEN each is either mirrored by the function or routed to the Python engine
    unrouted = names - MIRRORED - set(posting_pg.RULE_COVERAGE)
    assert not unrouted, (f"posting.py has {sorted(unrouted)}: route them in "
                          "teller/core/posting_pg.py (python_only_reason, the function's "
                          "TLR02 check) and name them in RULE_COVERAGE")
    assert set(posting_pg.RULE_COVERAGE) <= names
    # AND the routed tables reach the routing: every step code and account kind
    # and class of posting.py's tables
    kinds_codes = set().union(*(only for only, _, _ in posting.KIND_TXN_CODES.values()))
    assert posting_pg.python_only_txn_codes() == posting.SERVICE_TXN_CODES | kinds_codes
    assert posting_pg.python_only_kinds() == sorted(posting.KIND_TXN_CODES)
    assert posting_pg.python_only_classes() == sorted(posting.CLASS_BALANCE_CEILINGS)
    from teller.core.controls.controls import DEDUCTION_PURPOSES
    from teller.core.ledger.records import EntryRequest, Leg
    plain = EntryRequest(key="k", branch="0101", teller="T001", terminal="T01",
                         txn_code="10020", step="post", legs=(Leg("a", "D", 1), Leg("b", "C", 1)))
    assert posting_pg.python_only_reason(plain) is None
    for purpose in DEDUCTION_PURPOSES:
        assert posting_pg.python_only_reason(dataclasses.replace(plain, purpose=purpose))
    for code in posting_pg.python_only_txn_codes():
        assert posting_pg.python_only_reason(dataclasses.replace(plain, txn_code=code))
    assert posting_pg.python_only_reason(dataclasses.replace(plain, effect="account.open"))
    assert posting_pg.python_only_reason(dataclasses.replace(plain, reverses_entry_id=1))
    assert posting_pg.python_only_reason(dataclasses.replace(plain, legs=()))


def test_special_requests_and_accounts_take_the_python_path(pg_url):
    # GIVEN a migrated demo core on PostgreSQL, a class III account, a time
    # deposit account and a customer account with a transaction limit
    from teller.core.ledger.records import EntryRequest, Leg
    schema.upgrade(pg_url)
    engine = make_engine(pg_url)
    try:
        demo = create_demo(engine, business_date=BDATE, scrypt_n=FAST_SCRYPT)

        def setup(conn):
            def acct(**kw):
                return open_account(conn, branch="0101", opened_on=BDATE, subject="2017", **kw)
            third = acct(title="Ⅲ类户", kind="personal_current", account_class="III")
            time_acct = acct(title="定期户", kind="personal_time")
            conn.execute(sa.insert(LimitRule.__table__).values(
                incident_number="9" * 19, account_number=demo.accounts[1][0], direction="in",
                single_max=1_000, action="reject", status="active", starts_on=BDATE,
                created_by="S001", created_at=dt.datetime(2026, 11, 23, 8)))
            float_ = open_account(conn, branch="0101", opened_on=BDATE, subject="6411",
                                  title="过渡户", kind="engine_float", overdraft_limit=None)
            return float_, third, time_acct
        box, third, time_acct = run_in_transaction(engine, setup)
        posting = PostingEngine(engine)
        python_keys: list[str] = []
        python_post_in = posting._post_in

        def counting(conn, req, *args, **kw):
            python_keys.append(req.key)
            return python_post_in(conn, req, *args, **kw)
        posting._post_in = counting

        def deposit(key, account, amount, **kw):
            return outcome(lambda: posting.post(EntryRequest(
                key=key, branch="0101", teller="T001", terminal="T01",
                txn_code=kw.pop("txn_code", "10020"), step="post",
                legs=(Leg(box, "D", amount), Leg(account, "C", amount)), **kw)))
        # WHEN a plain deposit and deposits that meet Python-only rules are posted
        plain = deposit("p-1", demo.accounts[0][0], 500)
        first_python = list(python_keys)
        ceiling = deposit("p-2", third, 200_001)
        kind = deposit("p-3", time_acct, 100)
        limit = deposit("p-4", demo.accounts[1][0], 1_001)
        within = deposit("p-5", demo.accounts[1][0], 1_000)
        # THEN the plain one is the function's, the others the Python engine's,
        # with its refusals
        assert plain[0] == "posted" and first_python == []
        assert ceiling[:2] == ("refused", "class_ceiling")
        assert kind[:2] == ("refused", "kind_txn")
        assert limit[0] == "refused" and "单笔" in limit[2]
        assert within[0] == "posted"
        assert python_keys == ["p-2", "p-3", "p-4", "p-5"]
        python_keys.clear()
        again = deposit("p-6", demo.accounts[0][0], 700)
        assert again[0] == "posted" and python_keys == []
        assert check_books(engine).ok
    finally:
        engine.dispose()
