"""18100 account controls, 18091 bank deduction, 18101 transaction limits —
each through Session.run, with the refusals the rules name."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from teller.core.ledger import models as m
from teller.core.rulebook import check_books
from teller.core.controls.controls import ControlAdd
from teller.core.ledger.records import AuthGrant, EntryRequest, PostingRefused

pytestmark = pytest.mark.postgres

A = ("S002", "demo123")  # level-A supervisor
B = ("S001", "demo123")  # level-B supervisor


def acct(core, i=0):
    return core.demo.accounts[i][0]


def add_control(session, account, kind, amount=None, **extra):
    values = {"account": account, "action": "add", "kind": kind, **extra}
    if amount is not None:
        values["amount"] = amount
    return session.run("18100", values, authorizer=A)


def messages(out):
    return [p.message for p in out.problems]


def withdraw(session, account, amount, authorizer=None):
    return session.run("10030", {"account": account, "amount": amount, "mode": "cash"},
                       authorizer=authorizer)


def deposit(session, account, amount):
    return session.run("10020", {"account": account, "amount": amount, "mode": "cash"})


def test_add_control_needs_a_supervisor_and_gets_a_19_digit_incident(core, session):
    # GIVEN 王小明's current account WHEN a teller adds a seal without a supervisor
    out = session.run("18100", {"account": acct(core), "action": "add", "kind": "sealed"})
    # THEN authorization is asked for and nothing changed
    assert not out.ok and out.needs_authorization[0].level == "A"
    assert session.terminal.core.controls.controls(acct(core)) == ()
    # WHEN authorized THEN the control exists with a 19-digit incident number
    assert add_control(session, acct(core), "sealed").ok
    (c,) = session.terminal.core.controls.controls(acct(core))
    assert c.kind == "sealed" and len(c.incident_number) == 19 and c.incident_number.isdigit()


def test_sealed_account_refuses_debits_but_takes_deposits(core, session):
    assert add_control(session, acct(core), "sealed").ok
    out = withdraw(session, acct(core), "10.00")
    assert not out.ok and "账户已封存" in messages(out)[0]
    assert deposit(session, acct(core), "10.00").ok
    assert core.balance(acct(core)) == 1_251_000


@pytest.mark.parametrize("first,second", [("receive_only", "pay_only"),
                                          ("pay_only", "sealed"),
                                          ("sealed", "receive_only")])
def test_two_of_receive_only_pay_only_sealed_cannot_coexist(core, session, first, second):
    assert add_control(session, acct(core), first).ok
    out = add_control(session, acct(core), second)
    assert not out.ok and "不能同时存在" in messages(out)[0]
    kinds = [c.kind for c in session.terminal.core.controls.controls(acct(core))]
    assert kinds == [first]


def test_the_core_refuses_coexisting_controls_even_past_the_page(core, session):
    # GIVEN a pay-only control added straight through the core, past every page check
    core_services = session.terminal.core

    def add(key, kind, amount=0, grant=AuthGrant("S002", "A")):
        return core_services.post(EntryRequest(
            key=key, branch="0101", teller="T001", terminal="T01", txn_code="18100",
            step="add", authorization=grant, reversible=False,
            attachments=(ControlAdd(acct(core), kind, amount),)))

    add("x1", "pay_only")
    # WHEN a seal is added beside it THEN the core refuses: they cannot coexist
    with pytest.raises(PostingRefused) as exc:
        add("x2", "sealed")
    assert exc.value.code == "exclusive_control"
    # WHEN a hold comes without a supervisor THEN refused, and no control is added
    with pytest.raises(PostingRefused) as exc:
        add("x3", "hold", 100, grant=None)
    assert exc.value.code == "needs_authorization"
    kinds = [c.kind for c in core_services.controls.controls(acct(core))]
    assert kinds == ["pay_only"]
    assert core_services.find("x2") is None and core_services.find("x3") is None


def test_holds_stack_and_a_hold_above_available_is_refused(core, session):
    # GIVEN 12,500.00 WHEN holding 10,000 then 2,500 THEN both stand, nothing is available
    assert add_control(session, acct(core), "hold", "10,000.00").ok
    assert add_control(session, acct(core), "hold", "2,500.00").ok
    assert session.terminal.core.account(acct(core)).available == 0
    # WHEN one more fen is held THEN refused
    out = add_control(session, acct(core), "hold", "0.01")
    assert not out.ok and "圈存金额不能大于可用余额" in messages(out)[0]
    # AND a withdrawal of what is held is refused by the posting engine
    out = withdraw(session, acct(core), "1.00")
    assert not out.ok and "可用余额不足" in messages(out)[0]
    # AND a hold may coexist with a seal
    assert add_control(session, acct(core), "sealed").ok


def test_release_and_maintain_reuse_the_incident_and_show_before_after(core, session):
    assert add_control(session, acct(core), "hold", "1,000.00", document_no="SQ-1",
                       applicant="风险部").ok
    (hold,) = session.terminal.core.controls.controls(acct(core))
    # WHEN maintaining, the confirmation page shows each change before → after
    run, _ = session.start("18100")
    run.set_many({"account": acct(core), "action": "maintain", "incident": hold.incident_number,
                  "m_amount": "2,000.00", "m_applicant": "合规部"})
    while run.current.name != "confirm":
        assert run.next() == []
    lines = {label: text for label, _, text in run.summary()}
    assert lines == {"圈存金额": "¥1,000.00 → ¥2,000.00", "申请人": "风险部 → 合规部"}
    out = session.commit(run, A)
    assert out.ok
    (after,) = session.terminal.core.controls.controls(acct(core))
    assert (after.incident_number, after.amount, after.applicant) == (
        hold.incident_number, 200_000, "合规部")
    assert session.terminal.core.account(acct(core)).available == 1_250_000 - 200_000
    # WHEN released THEN the money is available again, and the register has each event
    assert session.run("18100", {"account": acct(core), "action": "release",
                                 "incident": hold.incident_number}, authorizer=A).ok
    assert session.terminal.core.controls.controls(acct(core)) == ()
    events = [e["event"] for e in session.terminal.core.controls.register(
        incident=hold.incident_number)]
    assert events == ["add", "maintain", "release"]


def test_control_expiry_is_honoured_by_date_and_by_the_batch(core, session):
    import datetime as dt
    from teller.core.controls.expiries import apply_control_expiries
    bdate = session.services().business_date
    assert add_control(session, acct(core), "sealed", expires_on=str(bdate)).ok
    assert not withdraw(session, acct(core), "1.00").ok
    _set_date(core, bdate + dt.timedelta(days=1))
    assert withdraw(session, acct(core), "1.00").ok  # expired: the engine ignores it
    changed = apply_control_expiries(core.engine, bdate + dt.timedelta(days=1))
    assert [c["event"] for c in changed] == ["expire"]
    assert session.terminal.core.controls.controls(acct(core)) == ()


def _set_date(core, day):
    with core.engine.begin() as conn:
        conn.execute(sa.update(m.Branch.__table__).values(business_date=day))


def test_bank_deduction_from_a_hold_partial_then_full_then_reversed(core, session):
    assert add_control(session, acct(core), "hold", "1,000.00").ok
    (hold,) = session.terminal.core.controls.controls(acct(core))
    clearing = core.account("clearing")
    before = core.balance(clearing)
    # a partial deduction of at least the held amount is refused
    out = session.run("18091", {"account": acct(core), "incident": hold.incident_number,
                                "mode": "partial", "amount": "1,000.00"}, authorizer=A)
    assert not out.ok and "部分扣款金额须小于圈存金额" in messages(out)[0]
    out = session.run("18091", {"account": acct(core), "incident": hold.incident_number,
                                "mode": "partial", "amount": "400.00",
                                "application_no": "KK-2026-0042"}, authorizer=A)
    assert out.ok
    # THEN the bank's application number is kept on the hold register's deduction line
    (line,) = [e for e in session.terminal.core.controls.register(
        incident=hold.incident_number) if e["event"] == "deduct"]
    assert (line["amount"], line["after"]["application_no"]) == (40_000, "KK-2026-0042")
    assert session.terminal.core.controls.control(hold.incident_number).amount == 60_000
    assert core.balance(acct(core)) == 1_250_000 - 40_000
    out2 = session.run("18091", {"account": acct(core), "incident": hold.incident_number,
                                 "mode": "full"}, authorizer=A)
    assert out2.ok
    assert session.terminal.core.controls.control(hold.incident_number).status == "deducted"
    assert core.balance(clearing) == before + 100_000
    # WHEN the full deduction is reversed THEN the hold is back with its amount
    rev = session.run("08210", {"journal_number": out2.journal_numbers[0]}, authorizer=A)
    assert rev.ok, rev.problems
    back = session.terminal.core.controls.control(hold.incident_number)
    assert (back.status, back.amount) == ("active", 60_000)
    assert check_books(core.engine).ok


def test_hold_deduction_purpose_cannot_get_past_a_hold_without_its_incident(core, session):
    from teller.core.controls.controls import HoldDeduction
    from teller.core.rulebook import ledger
    from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
    assert add_control(session, acct(core), "hold", "12,500.00").ok
    with pytest.raises(PostingRefused) as exc:
        ledger(core.engine).post(EntryRequest(
            key="sneak-1", branch="0101", teller="T001", terminal="T01", txn_code="10030",
            step="post", attachments=(HoldDeduction(""),),
            legs=(Leg(acct(core), "D", 100), Leg(core.account("clearing"), "C", 100))))
    assert exc.value.code == "no_hold"
    assert core.balance(acct(core)) == 1_250_000


# -- 18101 --------------------------------------------------------------------------
def add_limit(session, account, **values):
    return session.run("18101", {"account": account, "action": "add", **values}, authorizer=A)


def test_limit_reject_single_max_and_daily_count(core, session):
    assert add_limit(session, acct(core), direction="out", single_max="500.00",
                     daily_count="2", on_breach="reject").ok
    out = withdraw(session, acct(core), "500.01")
    assert not out.ok and "单笔金额超过上限" in messages(out)[0]
    assert withdraw(session, acct(core), "100.00").ok
    assert withdraw(session, acct(core), "100.00").ok
    out = withdraw(session, acct(core), "100.00")
    assert not out.ok and "日累计笔数超过 2 笔" in messages(out)[0]
    assert deposit(session, acct(core), "1,000.00").ok  # direction 'out' only
    assert core.balance(acct(core)) == 1_250_000 - 20_000 + 100_000


def test_limit_with_b_authorization_surfaces_as_a_need_then_posts(core, session):
    assert add_limit(session, acct(core), single_max="1,000.00", on_breach="auth_b").ok
    # WHEN no supervisor is at hand THEN the flow reports the core's need for B
    out = withdraw(session, acct(core), "2,000.00")
    assert not out.ok and [n.level for n in out.needs_authorization] == ["B"]
    assert core.balance(acct(core)) == 1_250_000
    # WHEN only an A supervisor comes THEN refused for level
    out = withdraw(session, acct(core), "2,000.00", authorizer=A)
    assert not out.ok and core.balance(acct(core)) == 1_250_000
    # WHEN a B supervisor authorizes THEN it posts, with the authorization recorded
    out = withdraw(session, acct(core), "2,000.00", authorizer=B)
    assert out.ok, out.problems
    assert core.balance(acct(core)) == 1_250_000 - 200_000
    assert session.voucher(out.journal_numbers[0]).authorizer == "S001"


def test_the_cores_call_for_a_supervisor_survives_a_restart(core, session):
    import json
    from teller.core.ledger.records import AuthGrant
    from teller.transactions.flow import FlowRun
    from teller.transactions.registry import default_registry
    assert add_limit(session, acct(core), single_max="1,000.00", on_breach="auth_b").ok
    flow = default_registry().get("10030")
    run = FlowRun(flow, session.services())
    run.set_many({"account": acct(core), "amount": "2,000.00", "mode": "transfer",
                  "to_account": acct(core, 2)})
    while run.current.kind != "commit":
        assert run.next() == []
    # GIVEN the core asked for a B supervisor (the flow itself asks for none)
    first = run.commit()
    assert not first.ok and [n.level for n in first.needs] == ["B"]
    # WHEN the terminal restarts and the run is restored from its saved snapshot
    snap = json.loads(json.dumps(run.snapshot()))
    again = FlowRun.restore(flow, session.services(), snap)
    # THEN the need is still there: no commit without a B supervisor, nothing posts
    assert [n.level for n in again.authorization_needs()] == ["B"]
    assert not again.commit().ok and not again.commit(AuthGrant("S002", "A")).ok
    assert core.balance(acct(core)) == 1_250_000
    # AND with B it posts
    done = again.commit(AuthGrant("S001", "B"))
    assert done.ok, done.problems
    assert core.balance(acct(core)) == 1_250_000 - 200_000


def test_limit_warn_posts_and_audits_and_balance_floor_rejects(core, session):
    assert add_limit(session, acct(core), single_max="10.00", on_breach="warn").ok
    out = withdraw(session, acct(core), "20.00")
    assert out.ok and out.entries[0].warnings == ("账户交易控制提示：单笔金额超过上限 10.00",)
    with core.engine.connect() as conn:
        kinds = conn.execute(sa.select(m.AuditEvent.kind).where(
            m.AuditEvent.kind == "limit_warning")).scalars().all()
    assert kinds == ["limit_warning"]
    assert add_limit(session, acct(core), balance_floor="12,000.00").ok
    out = withdraw(session, acct(core), "480.01")
    assert not out.ok and "余额低于留存下限" in messages(out)[0]
    assert withdraw(session, acct(core), "480.00").ok


def test_limit_release_and_reversal_gives_usage_back(core, session):
    assert add_limit(session, acct(core), daily_amount="100.00").ok
    (rule,) = session.terminal.core.limits.rules(acct(core))
    out = withdraw(session, acct(core), "100.00")
    assert out.ok
    assert not withdraw(session, acct(core), "0.01").ok
    assert session.run("08210", {"journal_number": out.journal_numbers[0]}, authorizer=A).ok
    assert withdraw(session, acct(core), "100.00").ok  # the reversal gave the usage back
    assert session.run("18101", {"account": acct(core), "action": "release",
                                 "incident": rule.rule.incident_number}, authorizer=A).ok
    assert withdraw(session, acct(core), "1,000.00").ok
    assert check_books(core.engine).ok


def test_limit_per_category_and_direction_applies_to_every_posting_path(core, session):
    # GIVEN transfers into 陈建国's account are limited to 100.00 each
    target = acct(core, 2)
    assert add_limit(session, target, category="transfer", direction="in",
                     single_max="100.00").ok
    # WHEN money is transferred in from 刘芳 by a withdrawal-by-transfer THEN refused
    out = session.run("10030", {"account": acct(core, 1), "amount": "100.01",
                                "mode": "transfer", "to_account": target})
    assert not out.ok and "单笔金额超过上限" in messages(out)[0]
    assert core.balance(acct(core, 1)) == 8_600_050  # nothing moved on either side
    # AND a cash deposit of the same amount is not a transfer: it passes
    assert deposit(session, target, "100.01").ok
    assert session.run("10030", {"account": acct(core, 1), "amount": "100.00",
                                 "mode": "transfer", "to_account": target}).ok
