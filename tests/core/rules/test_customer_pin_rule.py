"""Property: the customer-PIN rule (验密, ``CustomerPinRule`` with ``PinProof``)
follows a small model of DOMAIN.md §1 / CBUS §4.3.3 through the kernel. Every
debit of a personal password account (凭密) needs the customer's PIN block for
that account, and only the right PIN lets it post; a wrong PIN is refused and
still counted, 3 consecutive wrong PINs lock the password, a locked password
refuses even the right PIN and does not unlock by itself (only 密码解锁 clears
it); a block made under another PIN-pad key is a set-up fault, refused without
counting; a right PIN resets the count — with the posting, so a posting refused
afterwards (not enough money) leaves the count as it was. A credit never needs
a PIN (a proof sent with one is ignored, right or wrong). A refused posting
moves no balance. (The module name differs from tests/core/test_customer_pin.py
because the test directories are not packages.)"""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import float_account
from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.core.accounts.pins import CustomerPinService
from teller.core.accounts.rules import PinProof
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.accounts import open_account
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.rulebook import check_books
from teller.core.ledger.records import EntryRequest, Leg, PostingRefused
from teller.core.rulebook import ledger
from teller.core.services import CoreServices
from teller.devices.emulators.pinpad import DEMO_WORKING_KEY
from teller.domain.pin import (
    PinBlock, encrypt_pin_block, iso9564_format0_clear_block, key_check_value,
)

pytestmark = pytest.mark.postgres
EXAMPLES = {"sqlite": 80, "postgres": 25}
MAX_WRONG = 3  # DOMAIN.md §1: 3 wrong entries lock the customer's password
RIGHT, WRONG = "135790", "000000"
OTHER_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")  # not the zone key
OPENING = 100_000
keys = itertools.count()


def block(pan: str, pin: str, key: bytes = DEMO_WORKING_KEY) -> PinBlock:
    """What the PIN pad sends for ``pin`` keyed against ``pan`` (ISO 9564
    format 0 under the pad's working key, named by its check value) — the
    pad's own output is checked against this in the first test."""
    return PinBlock(encrypt_pin_block(key, iso9564_format0_clear_block(pin, pan)),
                    f"M00:KCV={key_check_value(key)}")


# -- the model -------------------------------------------------------------------------
class Model:
    """The PIN state of one account and its balance."""

    def __init__(self, balance: int) -> None:
        self.balance, self.failures, self.locked = balance, 0, False

    def debit(self, proof: str, amount: int) -> str | None:
        """The refusal code of a debit carrying ``proof``, updating the state."""
        if proof in ("none", "other_account"):
            return "pin_required"
        if self.locked:
            return "pin_already_locked"  # refused without looking at the block
        if proof == "foreign_key":
            return "pin_key_mismatch"    # a set-up fault: not counted
        if proof == "wrong":
            self.failures += 1
            if self.failures >= MAX_WRONG:
                self.locked = True
                return "pin_locked_now"
            return "pin_wrong"
        if amount > self.balance:
            return "insufficient"        # the reset goes with the refused posting
        self.failures, self.balance = 0, self.balance - amount
        return None

    def credit(self, amount: int) -> None:
        self.balance += amount


proofs = st.sampled_from(("right", "right", "wrong", "wrong", "none", "other_account",
                         "foreign_key"))
out = st.one_of(st.integers(1, 60_000), st.integers(OPENING * 3, OPENING * 4))  # or too much
ops = st.one_of(
    st.tuples(st.just("withdraw"), proofs, out),
    st.tuples(st.just("transfer_out"), proofs, out),
    st.tuples(st.just("deposit"), proofs, st.integers(1, 50_000)),
    st.tuples(st.just("transfer_in"), proofs, st.integers(1, 50_000)),
    st.tuples(st.just("unlock"), st.none(), st.none()),
)


@pytest.fixture
def world(core):
    verifier = ZoneKeyPinVerifier(DEMO_WORKING_KEY, b"bank-secret-for-tests", scrypt_n=2**10)
    with core.engine.connect() as conn:
        cid = conn.execute(sa.select(Customer.id)).scalars().first()
    return (core, ledger(core.engine, pin_verifier=lambda: verifier),
            CustomerPinService(core.engine, verifier),
            float_account(core.engine, overdraft_limit=None), cid)


def request(legs, txn_code: str, attach=()) -> EntryRequest:
    return EntryRequest(key=f"pin-{next(keys)}", branch="0101", teller="T001", terminal="T01",
                        txn_code=txn_code, step="post", legs=tuple(legs),
                        attachments=tuple(attach))


def fresh_account(core, kernel, float_acct, cid, title: str) -> str:
    bdate = CoreServices(core.engine).branch("0101").business_date
    number = run_in_transaction(core.engine, lambda c: open_account(
        c, branch="0101", subject="2017", title=title, kind="personal_current",
        opened_on=bdate, customer_id=cid, product="P-CUR", account_class="I",
        withdrawal_method="password"))
    kernel.post(request((Leg(float_acct, "D", OPENING), Leg(number, "C", OPENING)), "10020"))
    return number


def pin_state(core, number: str) -> tuple[int, bool]:
    with reader(core.engine) as conn:
        row = conn.execute(sa.select(m.Account.pin_failures, m.Account.pin_locked)
                           .where(m.Account.number == number)).one()
    return int(row.pin_failures), bool(row.pin_locked)


def test_the_pad_makes_the_blocks_the_model_sends(pinpad):
    # GIVEN the shipped PIN pad emulator driven by the real driver
    pad, emulator = pinpad
    emulator.auto_pin = RIGHT
    # WHEN the customer keys the PIN against an account number
    made = pad.read_pin("01012017000000014", timeout=10)
    # THEN the block is the one this module's helper builds
    assert made == block("01012017000000014", RIGHT)


def test_pin_rule_follows_the_model(world, backend):
    @settings(max_examples=EXAMPLES[backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(ops, min_size=1, max_size=12))
    def sequence_follows_the_model(steps):
        check_sequence(world, steps)
    sequence_follows_the_model()


def check_sequence(world, steps) -> None:
    core, kernel, pins, float_acct, cid = world
    # GIVEN a funded password account whose PIN was set, and a second one
    acct = fresh_account(core, kernel, float_acct, cid, "凭密测试")
    other = fresh_account(core, kernel, float_acct, cid, "对方账户")
    pins.set_pin(acct, block(acct, RIGHT))
    pins.set_pin(other, block(other, RIGHT))
    model, other_balance = Model(OPENING), OPENING
    attach = {"right": (PinProof(acct, block(acct, RIGHT)),),
              "wrong": (PinProof(acct, block(acct, WRONG)),),
              "none": (),
              "other_account": (PinProof(other, block(other, RIGHT)),),
              "foreign_key": (PinProof(acct, block(acct, RIGHT, OTHER_KEY)),)}
    for op, proof, amount in steps:
        if op == "unlock":  # 密码解锁 (18030 calls the service after its own checks)
            pins.unlock(acct)
            model.failures, model.locked = 0, False
            continue
        # WHEN a debit or a credit of the password account is posted with the proof
        if op == "withdraw":
            legs, code = (Leg(acct, "D", amount), Leg(float_acct, "C", amount)), "10030"
        elif op == "transfer_out":
            legs, code = (Leg(acct, "D", amount), Leg(other, "C", amount)), "10030"
        elif op == "deposit":
            legs, code = (Leg(float_acct, "D", amount), Leg(acct, "C", amount)), "10020"
        else:  # transfer_in: the paying side carries its own right PIN
            legs, code = (Leg(other, "D", amount), Leg(acct, "C", amount)), "10020"
        extra = (PinProof(other, block(other, RIGHT)),) if op == "transfer_in" else ()
        if op in ("withdraw", "transfer_out"):
            want = model.debit(proof, amount)
        else:
            want = None if op == "deposit" or amount <= other_balance else "insufficient"
        try:
            kernel.post(request(legs, code, attach[proof] + extra))
            got = None
        except PostingRefused as exc:
            got = exc.code
        # THEN it posts exactly when the model says, with the model's reason
        assert got == want, (op, proof, amount, vars(model))
        if got is None and op in ("deposit", "transfer_in"):
            model.credit(amount)
        if got is None and op == "transfer_out":
            other_balance += amount
        if got is None and op == "transfer_in":
            other_balance -= amount
        # AND the failure count, the lock and the balances are the model's
        assert pin_state(core, acct) == (model.failures, model.locked), (op, proof)
        assert (core.balance(acct), core.balance(other)) == (model.balance, other_balance)
    assert pin_state(core, other) == (0, False)
    assert check_books(core.engine).ok
