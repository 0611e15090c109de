"""The bank's posting rules, in order — the ONE place they are registered.

Every posting from every entry point (a teller's step, a reversal, the day-end
rollovers, the demo, a script) runs through the kernel with this tuple; an
area takes part in a posting only by a rule here. Within each phase the rules
run in this order, so the teller hears the reason a customer would expect
first: the account's status, then its controls, then the PIN, then the money.

    ledger = Ledger(engine, posting_rules(pin_verifier=lambda: verifier))
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy.engine import Engine

from teller.core.accounts.interest import InterestSettlementRule
from teller.core.accounts.lifecycle import AccountClosingRule, AccountMaintenanceRule
from teller.core.accounts.media import MediaReplacementRule
from teller.core.accounts.opening import AccountOpeningRule
from teller.core.accounts.passbooks import DEFAULT_GEOMETRY, PassbookGeometry
from teller.core.accounts.pin_verifier import PinVerifier
from teller.core.accounts.password_maintenance import PasswordMaintenanceRule
from teller.core.accounts.rules import (
    AccountScopeRule, AccountStatusRule, ClassCeilingRule, ClassLimits, ClassLimitsRule,
    CustomerPinRule, NewPinRule,
)
from teller.core.cash.counts import CashAuthorizationRule, CashRule
from teller.core.cash.large_cash import FundsCaptureRule, LargeCashRule
from teller.core.cash.teller_day import BoxHandoverRule
from teller.core.controls.controls import ControlMaintenanceRule, HoldDeductionRule
from teller.core.controls.judicial import JudicialDeductionRule, JudicialRule
from teller.core.controls.limits import LimitMaintenanceRule, TransactionLimitsRule
from teller.core.controls.rules import AvailableBalanceRule, ControlBlocksRule
from teller.core.customers.service import CustomerSaveRule
from teller.core.day.service import DayEndRequestRule
from teller.core.ledger.engine import Ledger
from teller.core.ledger.integrity import CheckReport, check_books as check_ledger
from teller.core.ledger.rules import PostingRule
from teller.core.loss.follow_up import LossFollowUpRule
from teller.core.loss.reports import LossReportRule
from teller.core.operators.rules import AuthorizationRule, OperatorRule
from teller.core.time_deposits.deposits import (
    TimeDepositKindRule, TimeDepositOpeningRule, TimeDepositWithdrawalRule,
)
from teller.core.time_deposits.maturity import TimeDepositRolloverRule
from teller.core.vouchers.blank import BlankVoucherRule


def posting_rules(*, pin_verifier: Callable[[], PinVerifier | None] = lambda: None,
                  class_limits: ClassLimits = ClassLimits(),
                  passbook_geometry: PassbookGeometry = DEFAULT_GEOMETRY
                  ) -> tuple[PostingRule, ...]:
    """The rules, first to last. ``pin_verifier`` names the bank's PIN verifier
    (the HSM seam) when a PIN is checked; the other arguments are the bank's
    settings the rules read."""
    return (
        # who posts
        OperatorRule(),
        # steps that make what the legs then move, or bring legs of their own
        CustomerSaveRule(),
        AccountOpeningRule(passbook_geometry),
        TimeDepositOpeningRule(),
        TimeDepositWithdrawalRule(),
        LossFollowUpRule(),
        MediaReplacementRule(pin_verifier, passbook_geometry),
        BlankVoucherRule(),
        # the account's own rules, in the order a teller hears them
        AccountStatusRule(),
        AccountScopeRule(),
        TimeDepositKindRule(),
        ControlBlocksRule(),
        CustomerPinRule(pin_verifier),
        AvailableBalanceRule(),
        ClassCeilingRule(),
        ClassLimitsRule(class_limits),
        TransactionLimitsRule(),
        # steps that draw on a freeze or a hold (by transfer only: before the cash rules)
        JudicialDeductionRule(),
        HoldDeductionRule(),
        # cash by denomination and the counter's cash rules
        CashAuthorizationRule(),
        LargeCashRule(),
        CashRule(),
        # steps that settle interest or roll a deposit over
        InterestSettlementRule(),
        TimeDepositRolloverRule(),
        # steps that change an account, its controls or the day without money
        LossReportRule(pin_verifier),
        PasswordMaintenanceRule(pin_verifier),
        AccountClosingRule(),
        AccountMaintenanceRule(pin_verifier),
        ControlMaintenanceRule(),
        JudicialRule(),
        LimitMaintenanceRule(),
        FundsCaptureRule(),
        BoxHandoverRule(),
        DayEndRequestRule(),
        # a new password, bound to the medium the step leaves (after a reissue)
        NewPinRule(pin_verifier),
        # last: the supervisor's grant covers every level asked for above
        AuthorizationRule(),
    )


def ledger(engine: Engine, *, clock: Callable[[], dt.datetime] = dt.datetime.now,
           **settings) -> Ledger:
    """The kernel with the bank's rules, for a caller without a
    :class:`~teller.core.services.CoreServices` (the demo set-up, a script, a test)."""
    return Ledger(engine, posting_rules(**settings), clock=clock)


def check_books(engine: Engine, **settings) -> CheckReport:
    """``teller check``: the kernel's checks and what each of the bank's rules
    verifies of its own rows."""
    return check_ledger(engine, posting_rules(**settings))
