"""The terminal's write-ahead store: in-doubt steps are settled exactly once after
a crash, unfinished runs resume, and no PIN block or password is ever stored."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from teller.api import Terminal
from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.services import CoreServices
from teller.domain.pin import PinBlock
from teller.sync.store import LocalStore
from tests.conftest import FAST_SCRYPT

pytestmark = pytest.mark.postgres
PW = "demo123"

CHILD = textwrap.dedent("""
    import os, signal, sys
    from teller.api import Terminal
    from teller.core.services import CoreServices
    from teller.sync.store import LocalStore
    url, local, where, account = sys.argv[1:5]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "before_core":   # written ahead, never sent
        original = LocalStore.begin_step
        def begin_step(self, **kw):
            original(self, **kw)
            die()
        LocalStore.begin_step = begin_step
    else:                        # posted by the core, not yet marked done
        original = CoreServices.post
        def post(self, req):
            original(self, req)
            die()
        CoreServices.post = post
    terminal = Terminal.open(url, local)
    session = terminal.sign_on("T001", "demo123").session
    session.run("10020", {"account": account, "amount": "123.45", "mode": "cash"})
    print("survived")
""")


def entries(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry)).scalar_one()


def crash(core, local, where) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, core.url, str(local), where,
                           core.demo.accounts[0][0]], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "survived" not in proc.stdout


def reopen(core, local) -> Terminal:
    return Terminal.open(core.url, local, scrypt_n=FAST_SCRYPT)


def test_crash_after_write_ahead_before_core_then_retry_posts_once(core, tmp_path):
    local = tmp_path / "t01.sqlite"
    number = core.demo.accounts[0][0]
    n, before = entries(core), core.balance(number)
    crash(core, local, "before_core")
    assert entries(core) == n  # the core never saw it
    # WHEN the terminal restarts THEN the step is settled as unposted and offered
    terminal = reopen(core, local)
    try:
        assert terminal.settle_report.unposted and not terminal.settle_report.done
        (step,) = terminal.pending_steps()
        assert (step.status, step.code, step.amount) == ("unposted", "10020", 12_345)
        # WHEN the teller retries THEN it posts exactly once, however often retried
        first = terminal.retry(step.key)
        again = terminal.retry(step.key)
        assert first.ok and again.journal_numbers == first.journal_numbers
        assert entries(core) == n + 1 and core.balance(number) == before + 12_345
        assert terminal.pending_steps() == ()
        # AND the interrupted run resumes as complete without posting again
        session = terminal.sign_on("T001", PW).session
        (run,) = session.open_runs()
        out = session.resume(run.run_id)
        assert out.ok and out.finished and out.journal_numbers == ()
        assert entries(core) == n + 1 and session.open_runs() == ()
    finally:
        terminal.close()


def test_crash_after_core_commit_is_settled_as_done(core, tmp_path):
    local = tmp_path / "t01.sqlite"
    number = core.demo.accounts[0][0]
    n, before = entries(core), core.balance(number)
    crash(core, local, "after_core")
    assert entries(core) == n + 1  # posted, but the terminal died before noting it
    terminal = reopen(core, local)
    try:
        assert len(terminal.settle_report.done) == 1 and terminal.pending_steps() == ()
        session = terminal.sign_on("T001", PW).session
        (run,) = session.open_runs()
        out = session.resume(run.run_id)
        assert out.ok and out.finished
        assert entries(core) == n + 1 and core.balance(number) == before + 12_345
    finally:
        terminal.close()


def test_unposted_step_discarded_then_run_resumed_with_a_new_key(core, tmp_path):
    local = tmp_path / "t01.sqlite"
    n = entries(core)
    crash(core, local, "before_core")
    terminal = reopen(core, local)
    try:
        (step,) = terminal.pending_steps()
        assert terminal.discard(step.key).ok and terminal.pending_steps() == ()
        session = terminal.sign_on("T001", PW).session
        (run,) = session.open_runs()
        out = session.resume(run.run_id)
        assert out.ok and out.entries[0].key != step.key
        assert entries(core) == n + 1
    finally:
        terminal.close()


def test_in_doubt_step_cannot_be_discarded_or_its_run_abandoned(core, tmp_path):
    store = LocalStore(tmp_path / "s.sqlite")
    store.begin_step(key="T01-x-01-0", run_id="x", code="10020", step="post", step_index=1,
                     teller="T001", request={"legs": []})
    store.save_run({"run_id": "x", "code": "10020"}, teller="T001", terminal="T01")
    assert not store.discard("T01-x-01-0")  # not yet settled: the core may have it
    terminal = Terminal(CoreServices(core.engine), store, terminal_code="T01")
    session = terminal.sign_on("T001", PW).session
    out = session.abandon("x")
    assert not out.ok and out.in_doubt_key == "T01-x-01-0"
    store.close()


def test_no_pin_block_or_password_reaches_the_store(core, tmp_path):
    local = tmp_path / "t01.sqlite"
    terminal = reopen(core, local)
    block = PinBlock(bytes.fromhex("A1B2C3D4E5F60718"), "M00:KCV=000000")
    try:
        session = terminal.sign_on("T001", PW).session
        out = session.run("10030", {"account": core.demo.accounts[1][0], "pin": block,
                                    "amount": "60,000.00", "mode": "cash",
                                    "funds_detail": "购车"}, ("S002", PW))
        assert out.ok, out.problems
        rec = terminal.store.run(out.run_id)
        assert rec.status == "done" and "pin" not in rec.snapshot["raw"]
    finally:
        terminal.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("t01.sqlite*"))
    assert bytes.fromhex("A1B2C3D4E5F60718") not in raw
    assert b"A1B2C3D4E5F60718" not in raw and PW.encode() not in raw
    assert b"60,000.00" in raw  # the values themselves are there
