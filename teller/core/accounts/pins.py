"""Customer passwords (交易密码) outside a posting: set, verify under the
3-strikes rule, unlock — through the :class:`~teller.core.accounts.pin_verifier.PinVerifier`
seam, with the posting rules' own check (``teller.core.accounts.rules``).

The core stores only the verifier's value; the PIN block arrives encrypted from
the PIN pad and only the verifier (a bank's HSM, or the built-in zone-key
verifier) can look inside it. 3 consecutive wrong PINs lock the password, which
does not unlock by itself (DOMAIN.md §1, CBUS §4.3.3): only :meth:`unlock`,
called by the password-maintenance transaction, clears it. Each verification
runs in one transaction with the account row locked, so two terminals cannot
both spend the last attempt.

The PIN block is bound to the number the PIN pad was given (ISO 9564 format 0):
the card number for card accounts, the account number otherwise; the same
number salts the stored value. A reissued card therefore needs a new password
(the reissue flow sets one on the PIN pad).
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.accounts.pin_verifier import PinAttemptDecision, PinAttemptPolicy, PinVerifier
from teller.core.accounts.rules import pan_of, record_pin_attempt
from teller.core.ledger import models as m
from teller.core.ledger.db import run_in_transaction
from teller.core.ledger.records import PostingRefused
from teller.domain.pin import PinBlock

accounts_t = m.Account.__table__


class CustomerPinService:
    def __init__(self, engine: Engine, verifier: PinVerifier,
                 policy: PinAttemptPolicy = PinAttemptPolicy()) -> None:
        self.engine = engine
        self.verifier = verifier
        self.policy = policy

    def set_pin(self, account: str, pin_block: PinBlock) -> None:
        """Store a new password (开户设密 / 重置): the old state is cleared."""
        def work(conn: Connection) -> None:
            row = self._lock(conn, account)
            value = self.verifier.make_verification_value(pan_of(row), pin_block)
            conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(
                pin_verification_value=value, pin_failures=0, pin_locked=False))
        run_in_transaction(self.engine, work)

    def verify(self, account: str, pin_block: PinBlock) -> PinAttemptDecision:
        """Check the customer's PIN and record the outcome (failures, lock) — the
        posting rule's own check (``accounts.rules.record_pin_attempt``)."""
        def work(conn: Connection) -> PinAttemptDecision:
            row = self._lock(conn, account)
            if row.pin_verification_value is None:
                raise PostingRefused("no_password", "该账户未设置交易密码",
                                     "The account has no password", account=account)
            return record_pin_attempt(conn, account, pin_block, self.verifier, self.policy)
        return run_in_transaction(self.engine, work)

    def unlock(self, account: str) -> None:
        """密码解锁: clear the lock and the failure count (the flow checks ID and authorization)."""
        def work(conn: Connection) -> None:
            self._lock(conn, account)
            conn.execute(update(accounts_t).where(accounts_t.c.number == account).values(
                pin_failures=0, pin_locked=False))
        run_in_transaction(self.engine, work)

    @staticmethod
    def _lock(conn: Connection, account: str):
        row = conn.execute(select(accounts_t.c.number, accounts_t.c.medium_kind,
                                  accounts_t.c.medium_number, accounts_t.c.pin_verification_value,
                                  accounts_t.c.pin_failures, accounts_t.c.pin_locked)
                           .where(accounts_t.c.number == account).with_for_update()).first()
        if row is None:
            raise PostingRefused("no_account", f"账户 {account} 不存在",
                                 f"Account {account} does not exist", account=account)
        return row
