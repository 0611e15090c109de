"""Shared set-up for the 18010/18020/18030 tests: a terminal whose core has the
zone-key PIN verifier, PIN blocks as the PIN pad makes them (ISO 9564 format 0
under the demo zone working key, the same bytes the emulated pad returns), the
demo holders' documents, and small readers of the core's rows."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from teller.core.controls.models import AccountControl
from teller.core.ledger import models as m
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.demo import CUSTOMERS
from teller.core.loss.models import LossIncident
from teller.core.accounts.pin_verifier import ZoneKeyPinVerifier
from teller.devices.emulators.pinpad import DEMO_WORKING_KEY
from teller.domain.identity import resident_id_check_char
from teller.domain.pin import (
    PinBlock, encrypt_pin_block, iso9564_format0_clear_block, key_check_value,
)

PW = "demo123"


def use_pins(terminal):
    terminal.core.use_pin_verifier(
        ZoneKeyPinVerifier(DEMO_WORKING_KEY, b"bank-secret-for-tests", scrypt_n=2**10))
    return terminal.core.customer_pins


def keyed(pan: str, pin: str) -> PinBlock:
    """The block the PIN pad returns when the customer keys ``pin`` for ``pan``."""
    return PinBlock.from_ciphertext(
        encrypt_pin_block(DEMO_WORKING_KEY, iso9564_format0_clear_block(pin, pan)),
        f"M00:KCV={key_check_value(DEMO_WORKING_KEY)}")


def holder_id(i: int) -> dict:
    id17 = CUSTOMERS[i].id17
    return {"type": "resident_id", "number": id17 + resident_id_check_char(id17)}


def incidents(core, account: str | None = None) -> list:
    q = sa.select(LossIncident.__table__).order_by(LossIncident.created_at,
                                                   LossIncident.incident_number)
    if account:
        q = q.where(LossIncident.account_number == account)
    with reader(core.engine) as conn:
        return conn.execute(q).all()


def controls(core, account: str, status: str = "active") -> list:
    t = AccountControl.__table__
    with reader(core.engine) as conn:
        return conn.execute(sa.select(t).where(t.c.account_number == account,
                                               t.c.status == status)).all()


def account_row(core, number: str):
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.Account.__table__)
                            .where(m.Account.number == number)).one()


def audit(core, kind: str) -> list:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(m.AuditEvent.__table__)
                            .where(m.AuditEvent.kind == kind)).all()


def entry_count(core) -> int:
    with reader(core.engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m.JournalEntry)).scalar_one()


def set_business_date(core, day: dt.date) -> None:
    run_in_transaction(core.engine, lambda conn: conn.execute(
        sa.update(m.Branch.__table__).where(m.Branch.code == "0101").values(business_date=day)))


def add_freeze(core, account: str) -> None:
    """A full judicial freeze as 18090 leaves it (that flow is another area's)."""
    run_in_transaction(core.engine, lambda conn: conn.execute(
        sa.insert(AccountControl.__table__).values(
            account_number=account, kind="freeze_full", amount=0, incident_number="9" * 19,
            status="active", starts_on=core.demo.business_date, created_by="S001",
            created_at=dt.datetime.now(), detail="{}")))


def report(session, i: int, core, kind: str, **extra):
    number, _, pan = core.demo.accounts[i]
    values = {"customer_id": holder_id(i), "account": pan, "loss_kind": kind, **extra}
    return session.run("18010", values)
