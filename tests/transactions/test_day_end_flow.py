"""09900 日终 headless through Session.run: the page lists the blockers, a
teller may not run it, a supervisor runs the batch once nothing blocks —
SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.api import Terminal
from teller.core.ledger import models as m
from teller.core.cash.counts import read_holdings
from teller.core.ledger.db import reader
from teller.core.rulebook import check_books
from tests.conftest import FAST_SCRYPT

pytestmark = pytest.mark.postgres
PW = "demo123"


@pytest.fixture
def supervisor(core, tmp_path):
    t = Terminal.open(core.url, tmp_path / "t02.sqlite", terminal_code="T02",
                      scrypt_n=FAST_SCRYPT)
    signed = t.sign_on("S001", PW)
    assert signed.ok, signed.message
    yield signed.session
    t.close()


def branch(core):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Branch.business_date, m.Branch.status)).one()


def audit(core, kind):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.AuditEvent.outcome, m.AuditEvent.user_code)
                            .where(m.AuditEvent.kind == kind)).all()


def test_day_end_waits_for_the_teller_and_runs_for_a_supervisor(core, session, supervisor):
    day = branch(core).business_date
    # GIVEN T001 is signed on
    # WHEN the supervisor asks for the day end THEN the page names the teller, nothing runs
    out = supervisor.run("09900", {})
    assert not out.ok
    assert "teller:T001" in [p.field for p in out.problems]
    assert any("柜员 T001 尚未签退" == p.message for p in out.problems)
    assert branch(core) == (day, "open")
    # WHEN the teller tries it THEN refused: supervisors and administrators only
    out = session.run("09900", {})
    assert not out.ok and out.problems[0].message == "日终须由主管或系统管理员执行"
    # … and the core refuses it too, whoever calls it
    with pytest.raises(Exception) as exc:
        session.terminal.core.day_end.run("0101", operator="T001")
    assert getattr(exc.value, "code", "") == "day_end_role"
    assert audit(core, "day_end_requested") == [("refused", "T001")]
    # GIVEN T001 balances and signs off
    box = core.account("cash_box", "T001")
    with reader(core.engine) as conn:
        counted = read_holdings(conn, box)
    assert session.run("09030", {"counts": {str(d): n for d, n in counted.items()}}).ok
    assert session.sign_off() == []
    # WHEN the supervisor runs 09900 THEN the batch runs and the next date opens
    out = supervisor.run("09900", {})
    assert out.ok, out.problems
    after = branch(core)
    assert after.status == "open" and after.business_date > day
    assert audit(core, "day_end_requested")[-1] == ("ok", "S001")
    assert len(audit(core, "day_end_done")) == 1 and len(audit(core, "day_open_hooks")) == 1
    # AND the new day has nothing blocking
    assert supervisor.terminal.core.day_end.blockers("0101") == []
    assert check_books(core.engine).ok


def test_teller_eod_refuses_with_reasons_and_then_runs(core, session, capsys):
    from teller.cli import main
    day = branch(core).business_date
    # GIVEN T001 signed on WHEN `teller eod` runs THEN it exits 1 naming the teller
    assert main(["eod", "--url", core.url]) == 1
    assert "柜员 T001 尚未签退" in capsys.readouterr().err
    assert branch(core) == (day, "open")
    # GIVEN T001 signed off WHEN it runs again THEN the next date opens
    box = core.account("cash_box", "T001")
    with reader(core.engine) as conn:
        counted = read_holdings(conn, box)
    assert session.run("09030", {"counts": {str(d): n for d, n in counted.items()}}).ok
    assert session.sign_off() == []
    assert main(["eod", "--url", core.url]) == 0
    assert branch(core).business_date > day
