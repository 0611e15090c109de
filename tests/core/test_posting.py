"""Posting engine: balance, availability, controls, idempotency, reversal,
authorization and the tamper-evident journal — on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from tests.conftest import float_account
from teller.core.controls.judicial import Authority, JudicialDeduction, Officer
from teller.core.controls.models import AccountControl
from teller.core.operators.models import Authorization
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.rulebook import ledger
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostingRefused

pytestmark = pytest.mark.postgres
_keys = itertools.count(1)


def request(legs, *, teller="T001", key=None, **kw) -> EntryRequest:
    return EntryRequest(key=key or f"test-{next(_keys):06d}-{id(legs)}", branch="0101",
                        teller=teller, terminal="T01", txn_code=kw.pop("txn_code", "10020"),
                        step="post", legs=tuple(legs), **kw)


def entry_count(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry)).scalar_one()


@pytest.fixture
def setup(core):
    box = float_account(core.engine)  # engine mechanics; cash counts: test_cashbox
    customer = core.demo.accounts[0][0]
    return core, ledger(core.engine), box, customer


def add_control(core, account, kind, amount=0, expires=None):
    def work(conn):
        conn.execute(sa.insert(AccountControl.__table__).values(
            account_number=account, kind=kind, amount=amount, incident_number="1" * 19,
            status="active", starts_on=core.demo.business_date, expires_on=expires,
            created_by="S001", created_at=dt.datetime.now(), detail="{}"))
    run_in_transaction(core.engine, work)


def test_deposit_posts_balanced_entry_with_journal_number(setup):
    core, engine, box, customer = setup
    before_box, before_cust = core.balance(box), core.balance(customer)
    # WHEN a cash deposit of 100.00 is posted
    posted = engine.post(request([Leg(box, "D", 10_000), Leg(customer, "C", 10_000)]))
    # THEN both balances moved, the entry is numbered for the teller and the day
    assert core.balance(box) == before_box + 10_000
    assert core.balance(customer) == before_cust + 10_000
    assert posted.journal_sequence == 1 and not posted.replayed
    assert posted.journal_number == f"{core.demo.business_date:%Y%m%d}T001000001"
    assert posted.balance_of(customer) == before_cust + 10_000
    assert engine.post(request([Leg(box, "D", 1), Leg(customer, "C", 1)])).journal_sequence == 2
    assert check_books(core.engine).ok


def test_unbalanced_entry_is_refused_and_nothing_written(setup):
    core, engine, box, customer = setup
    n, before = entry_count(core), core.balance(customer)
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(box, "D", 10_000), Leg(customer, "C", 9_999)]))
    assert err.value.code == "unbalanced" and "借贷不平衡" in err.value.message
    assert entry_count(core) == n and core.balance(customer) == before


@pytest.mark.parametrize("amount", [0, -5])
def test_non_positive_amount_is_refused(setup, amount):
    core, engine, box, customer = setup
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(box, "D", amount), Leg(customer, "C", amount)]))
    assert err.value.code == "bad_amount"


def test_overdraft_is_refused(setup):
    core, engine, box, customer = setup
    balance = core.balance(customer)
    # WHEN a withdrawal one fen above the balance is posted
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(customer, "D", balance + 1), Leg(box, "C", balance + 1)]))
    # THEN it is refused with the available balance named, and nothing moved
    assert err.value.code == "insufficient" and err.value.account == customer
    assert core.balance(customer) == balance
    # AND the whole balance can be withdrawn
    engine.post(request([Leg(customer, "D", balance), Leg(box, "C", balance)]))
    assert core.balance(customer) == 0


def test_same_key_posts_once_and_returns_the_first_result(setup):
    core, engine, box, customer = setup
    req = request([Leg(box, "D", 5_000), Leg(customer, "C", 5_000)], key="T01-dup-1")
    first = engine.post(req)
    before, n = core.balance(customer), entry_count(core)
    again = engine.post(req)
    assert again.replayed and again.entry_id == first.entry_id
    assert again.journal_number == first.journal_number
    assert core.balance(customer) == before and entry_count(core) == n
    assert engine.find("T01-dup-1").entry_id == first.entry_id
    # a key reused for a different request is refused, not silently matched
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(box, "D", 6_000), Leg(customer, "C", 6_000)], key="T01-dup-1"))
    assert err.value.code == "key_reused"


def test_reversal_once_and_only_on_the_same_business_day(setup):
    core, engine, box, customer = setup
    before = core.balance(customer)
    posted = engine.post(request([Leg(box, "D", 7_000), Leg(customer, "C", 7_000)]))
    grant = AuthGrant("S002", "A", ("冲正",))
    rev = engine.reverse(posted.entry_id, key="rev-1", teller="T001", terminal="T01",
                         authorization=grant)
    assert rev.reverses_entry_id == posted.entry_id
    assert core.balance(customer) == before
    with pytest.raises(PostingRefused) as err:
        engine.reverse(posted.entry_id, key="rev-2", teller="T001", terminal="T01",
                       authorization=grant)
    assert err.value.code == "already_reversed"
    with pytest.raises(PostingRefused) as err:
        engine.reverse(rev.entry_id, key="rev-3", teller="T001", terminal="T01",
                       authorization=grant)
    assert err.value.code == "reverse_reversal"
    # GIVEN an entry of yesterday (the branch moved to the next business date)
    other = engine.post(request([Leg(box, "D", 100), Leg(customer, "C", 100)]))
    run_in_transaction(core.engine, lambda c: c.execute(sa.update(m.Branch.__table__).values(
        business_date=core.demo.business_date + dt.timedelta(days=1))))
    with pytest.raises(PostingRefused) as err:
        engine.reverse(other.entry_id, key="rev-4", teller="T001", terminal="T01",
                       authorization=grant)
    assert err.value.code == "not_same_day"
    assert check_books(core.engine).ok


def test_irreversible_step_and_reversal_without_authorization(setup):
    core, engine, box, customer = setup
    posted = engine.post(request([Leg(box, "D", 100), Leg(customer, "C", 100)],
                                 reversible=False))
    with pytest.raises(PostingRefused) as err:
        engine.reverse(posted.entry_id, key="rv-a", teller="T001", terminal="T01",
                       authorization=AuthGrant("S002", "A"))
    assert err.value.code == "irreversible"
    with pytest.raises(PostingRefused) as err:
        engine.reverse(posted.entry_id, key="rv-b", teller="T001", terminal="T01",
                       authorization=None)
    assert err.value.code == "needs_authorization"


@pytest.mark.parametrize("supervisor,level,code", [
    ("T001", "A", "self_authorization"),
    ("T002", "A", "not_supervisor"),
    ("S002", "B", "level_too_low"),
])
def test_authorization_refused_for_self_non_supervisor_and_low_level(setup, supervisor, level,
                                                                       code):
    core, engine, box, customer = setup
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(customer, "D", 100), Leg(box, "C", 100)], required_level=level,
                            authorization=AuthGrant(supervisor, level, ("大额取现",))))
    assert err.value.code == code


def test_granted_authorization_is_linked_to_the_entry(setup):
    core, engine, box, customer = setup
    posted = engine.post(request([Leg(customer, "D", 100), Leg(box, "C", 100)],
                                 required_level="B",
                                 authorization=AuthGrant("S001", "B", ("大额取现",))))
    with reader(core.engine) as conn:
        row = conn.execute(sa.select(Authorization.__table__)).one()
    assert (row.entry_id, row.supervisor_code, row.teller_code, row.level) == (
        posted.entry_id, "S001", "T001", "B")
    assert "大额取现" in row.reasons


@pytest.mark.parametrize("kind,direction,code", [
    ("sealed", "out", "control_sealed"),
    ("receive_only", "out", "control_receive_only"),
    ("pay_only", "in", "control_pay_only"),
    ("freeze_full", "in", "control_freeze_full"),
    ("freeze_full", "out", "control_freeze_full"),
    ("freeze_one_way", "out", "control_freeze_one_way"),
    ("loss_report", "out", "control_loss_report"),
])
def test_controls_refuse_the_movements_they_forbid(setup, kind, direction, code):
    core, engine, box, customer = setup
    add_control(core, customer, kind)
    legs = ([Leg(customer, "D", 100), Leg(box, "C", 100)] if direction == "out"
            else [Leg(box, "D", 100), Leg(customer, "C", 100)])
    with pytest.raises(PostingRefused) as err:
        engine.post(request(legs))
    assert err.value.code == code


def test_loss_report_allows_deposits_and_judicial_deduction(setup):
    core, engine, box, customer = setup
    add_control(core, customer, "loss_report")
    engine.post(request([Leg(box, "D", 100), Leg(customer, "C", 100)]))
    clearing = core.account("clearing")
    # A court deduction (18090) names its case — here a direct deduction, whose
    # case the same entry opens (teller.core.controls.judicial).
    court = Authority("court", "演示市人民法院", "N1", (Officer("李", "work_id", "F1"),))
    posted = engine.post(request([Leg(customer, "D", 100), Leg(clearing, "C", 100)],
                                 txn_code="18090", attachments=(
                                     JudicialDeduction(customer, authority=court),),
                                 authorization=AuthGrant("S001", "B")))
    assert posted.fact("incident_number") is not None


def test_holds_and_partial_freezes_reduce_the_available_balance(setup):
    core, engine, box, customer = setup
    balance = core.balance(customer)
    add_control(core, customer, "hold", 1_000)
    add_control(core, customer, "hold", 2_000)
    add_control(core, customer, "freeze_partial", 3_000)
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(customer, "D", balance - 5_999), Leg(box, "C", balance - 5_999)]))
    assert err.value.code == "insufficient"
    engine.post(request([Leg(customer, "D", balance - 6_000), Leg(box, "C", balance - 6_000)]))


def test_expired_control_no_longer_applies(setup):
    core, engine, box, customer = setup
    add_control(core, customer, "sealed", expires=core.demo.business_date - dt.timedelta(days=1))
    engine.post(request([Leg(customer, "D", 100), Leg(box, "C", 100)]))


@pytest.mark.parametrize("status,code", [("closed", "status_closed"),
                                         ("dormant", "status_dormant")])
def test_account_status_rules(setup, status, code):
    core, engine, box, customer = setup
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Account.__table__).where(m.Account.number == customer)
        .values(status=status)))
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(customer, "D", 100), Leg(box, "C", 100)]))
    assert err.value.code == code
    if status == "closed":  # a closed account cannot take a deposit either
        with pytest.raises(PostingRefused):
            engine.post(request([Leg(box, "D", 100), Leg(customer, "C", 100)]))


def test_unknown_account_and_closed_branch(setup):
    core, engine, box, customer = setup
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(box, "D", 100), Leg("01012017999999990", "C", 100)]))
    assert err.value.code == "no_account"
    run_in_transaction(core.engine, lambda c: c.execute(
        sa.update(m.Branch.__table__).values(status="closing")))
    with pytest.raises(PostingRefused) as err:
        engine.post(request([Leg(box, "D", 100), Leg(customer, "C", 100)]))
    assert err.value.code == "branch_closed"
