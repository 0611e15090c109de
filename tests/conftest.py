"""Fixtures shared by every test: a migrated, demo-populated core on SQLite and,
for tests marked ``postgres``, the same on PostgreSQL (a fresh schema per test)."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from teller.core import schema
from teller.core.ledger.db import make_engine, normalize_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PG_URL = os.environ.get("TELLER_TEST_PG_URL")
FAST_SCRYPT = 2**10  # test speed; production uses 2**14
#: The business date (营业日) every test's demo branch opens on — never the wall
#: clock, so no test knows which weekday CI runs on. ``TELLER_TEST_DATE=YYYY-MM-DD``
#: runs the whole suite on another day (a Friday, the eve of a holiday).
BUSINESS_DATE = dt.date.fromisoformat(os.environ.get("TELLER_TEST_DATE") or "2026-11-23")


def pg_schema_url(base: str, schema_name: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{normalize_url(base)}{sep}options=-csearch_path%3D{schema_name}"


@pytest.fixture
def pg_url():
    """A fresh schema on the test PostgreSQL server, dropped afterwards."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("TELLER_TEST_PG_URL is not set in CI")
        pytest.skip("TELLER_TEST_PG_URL not set: PostgreSQL tests skipped")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalize_url(PG_URL))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    yield pg_schema_url(PG_URL, name)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'core.sqlite'}"


def pytest_generate_tests(metafunc):
    if "core_url" in metafunc.fixturenames:
        backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres"):
            backends.append("postgres")
        metafunc.parametrize("backend", backends)


@pytest.fixture
def core_url(backend, request, tmp_path):
    if backend == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'core.sqlite'}"


def float_account(engine, *, overdraft_limit: int | None = None) -> str:
    """A debit-natured internal account (6411) that is NOT cash: the counter leg
    of tests about the posting engine's own mechanics. Cash legs (teller boxes,
    the vault) need counts by denomination — tests/core/test_cashbox.py."""
    from teller.core.ledger.db import reader, run_in_transaction
    from teller.core.ledger.accounts import internal_account, open_account
    from teller.core.ledger.models import Branch
    with reader(engine) as conn:
        found = internal_account(conn, "0101", "engine_float")
    if found:
        return found
    return run_in_transaction(engine, lambda conn: open_account(
        conn, branch="0101", subject="6411", title="测试过渡户", kind="engine_float",
        opened_on=conn.execute(sa.select(Branch.business_date)
                               .where(Branch.code == "0101")).scalar_one(),
        overdraft_limit=overdraft_limit))


@dataclass
class Core:
    url: str
    engine: sa.engine.Engine
    demo: object

    def account(self, kind: str, owner: str | None = None) -> str:
        from teller.core.ledger.db import reader
        from teller.core.ledger.accounts import internal_account
        with reader(self.engine) as conn:
            return internal_account(conn, "0101", kind, owner)

    def balance(self, number: str) -> int:
        from teller.core.ledger.db import reader
        from teller.core.ledger.models import Account
        with reader(self.engine) as conn:
            return conn.execute(sa.select(Account.balance).where(Account.number == number)
                                ).scalar_one()


@pytest.fixture
def core(core_url):
    """A migrated core holding the demo branch (users' password: demo123)."""
    from teller.core.demo import create_demo
    schema.upgrade(core_url)
    engine = make_engine(core_url)
    demo = create_demo(engine, business_date=BUSINESS_DATE, scrypt_n=FAST_SCRYPT)
    yield Core(core_url, engine, demo)
    engine.dispose()


@pytest.fixture
def terminal(core, tmp_path):
    """A headless terminal T01 on the demo core; receipts land in ``.printed``."""
    from teller.api import Terminal
    printed = []
    t = Terminal.open(core.url, tmp_path / "t01.sqlite", terminal_code="T01",
                      printer=printed.append, scrypt_n=FAST_SCRYPT)
    t.printed = printed
    yield t
    t.close()


@pytest.fixture
def session(terminal):
    """Teller T001 signed on at ``terminal``."""
    signed = terminal.sign_on("T001", "demo123")
    assert signed.ok, signed.message
    return signed.session


@pytest.fixture(scope="session")
def pinpad():
    """The shipped PIN pad emulator on an ephemeral TCP port, driven by the real
    driver with the demo working key loaded: ``(PinPad, PinPadEmulator)``."""
    from teller.devices.emulators.pinpad import DEMO_MASTER_KEY, DEMO_WORKING_KEY, PinPadEmulator
    from teller.devices.pinpad import PinPad
    from teller.devices.transports.serial import SerialTransport
    from teller.domain.pin import encrypt_working_key, key_check_value
    emulator = PinPadEmulator()
    port = emulator.serve_tcp("127.0.0.1", 0)
    pad = PinPad(SerialTransport(f"socket://127.0.0.1:{port}"))
    pad.open()
    pad.load_working_key(0, encrypt_working_key(DEMO_MASTER_KEY, DEMO_WORKING_KEY),
                         key_check_value(DEMO_WORKING_KEY))
    yield pad, emulator
    pad.close()
    emulator.close()
