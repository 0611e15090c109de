"""Password maintenance (密码维护, CBUS 18030) in the core: reset 重置, change 修改,
unlock 解锁, add 新增, remove 取消 — with every rule of CBUS §4.3 checked here.

- the medium must be presented (its number equals the account's card/passbook);
- the customer's own ID, never an agent (§4.3.3 item 3);
- not while the voucher is reported lost; a password reported lost is re-set in
  18020 (密码补设), not here (§4.3.3 item 4);
- reset needs no old password; change and remove verify it (a wrong one counts
  toward the 3-strikes lock); unlock verifies it once without counting (the
  password is locked already) — a customer who forgot it resets instead;
- add only on an account without a password, at the opening branch; remove
  never on a card (银行卡必须凭密);
- every operation needs a supervisor (the manual's 待授权通过后): the levels are
  :data:`PASSWORD_AUTH`, the one table the flow shows the supervisor.

Worked example (runnable in ``tests/transactions/test_password_maintenance.py``)::

    core.post(EntryRequest(..., txn_code="18030", step="apply", reversible=False,
                           attachments=(PasswordChange(acct, "reset", card, "resident_id",
                                                       holder_id),
                                        NewPin(acct, block, block)),
                           authorization=AuthGrant("S002", "A")))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from teller.core.accounts.pin_verifier import PinAttemptPolicy, PinVerifier
from teller.core.accounts.rules import NewPin, pan_of, proof_for, verify_proof
from teller.core.customers.models import Customer
from teller.core.ledger import models as m
from teller.core.ledger.db import reader
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.loss.reports import (
    PASSWORD_KINDS, VOUCHER_KINDS, LossReportService, in_force, refused,
)

accounts_t = m.Account.__table__
customers_t = Customer.__table__
branches_t = m.Branch.__table__

RESET, CHANGE, UNLOCK, ADD, REMOVE = "reset", "change", "unlock", "add", "remove"
OPERATION_TEXT = {RESET: ("重置密码", "reset"), CHANGE: ("修改密码", "change"),
                  UNLOCK: ("解锁密码", "unlock"), ADD: ("新增密码", "add"),
                  REMOVE: ("取消密码", "remove")}
#: Authorization per operation (CBUS §4.3.2: each one completes 待授权通过后).
PASSWORD_AUTH = {
    RESET: ("A", "密码重置不验原密码，须A级主管授权", "A reset skips the old password"),
    CHANGE: ("A", "修改客户密码须A级主管授权", "Changing a customer password"),
    UNLOCK: ("A", "解锁客户密码须A级主管授权", "Unlocking a customer password"),
    ADD: ("A", "新增客户密码须A级主管授权", "Adding a customer password"),
    REMOVE: ("A", "取消客户密码须A级主管授权", "Removing a customer password"),
}
NEEDS_OLD = frozenset({CHANGE, UNLOCK, REMOVE})
NEEDS_NEW = frozenset({RESET, CHANGE, ADD})


@dataclass(frozen=True)
class PasswordChange(Attachment, wire_name="accounts.password_maintenance"):
    """18030 on ``account``: the medium presented and the holder's own document.
    The old password comes as a :class:`~teller.core.accounts.rules.PinProof`, the
    new one keyed twice as a :class:`~teller.core.accounts.rules.NewPin`."""

    account: str
    operation: str
    medium_number: str
    id_type: str
    id_number: str
    by_agent: bool = False


def operations_for(has_password: bool, locked: bool, is_card: bool) -> tuple[str, ...]:
    """What 18030 offers for an account in this state (the manual's 预判断).

    >>> operations_for(True, True, True)
    ('reset', 'unlock')
    >>> operations_for(False, False, False)
    ('add',)
    """
    if not has_password:
        return (ADD,)
    if locked:
        return (RESET, UNLOCK)
    return (RESET, CHANGE) + (() if is_card else (REMOVE,))


class PasswordMaintenanceRule(PostingRule):
    """密码维护 in the step's own entry: every rule of CBUS §4.3 with the account
    row locked; the old password checked under the 3-strikes rule (change and
    remove), or once without counting (unlock); the new one stored by
    :class:`~teller.core.accounts.rules.NewPinRule`."""

    name = "accounts.password_maintenance"

    def __init__(self, verifier: Callable[[], PinVerifier | None],
                 policy: PinAttemptPolicy = PinAttemptPolicy()) -> None:
        self.verifier = verifier
        self.policy = policy

    def applies(self, request) -> bool:
        return request.one(PasswordChange) is not None

    def admit(self, p: Posting) -> None:
        a = p.request.one(PasswordChange)
        assert a is not None
        if p.request.reversible:
            raise refused("pwd_irreversible", "密码维护不能冲正", "Password maintenance is final")
        if a.operation not in OPERATION_TEXT:
            raise refused("pwd_operation", "密码维护种类不正确", "Unknown operation")
        if a.by_agent:
            raise refused("pwd_no_agent", "密码维护须凭客户本人身份证件办理，不允许代理人办理",
                          "Password maintenance is for the holder in person; no agents")
        if self.verifier() is None:
            raise refused("no_pin_service", "未配置密码验证服务", "No PIN verifier configured")
        if a.operation in NEEDS_NEW and not any(x.account == a.account
                                                for x in p.request.all(NewPin)):
            raise refused("pwd_new_required", "须由客户在密码键盘上输入两次新密码",
                          "The customer must key the new password twice")
        if a.operation in NEEDS_OLD and proof_for(p, a.account) is None:
            raise refused("pwd_old_required", "须由客户在密码键盘上输入原密码",
                          "The customer must key the old password")

    def write(self, p: Posting) -> None:
        a = p.request.one(PasswordChange)
        assert a is not None
        acct = check_request(p.conn, a, p.request.branch, lock=True)
        level, reason, reason_en = PASSWORD_AUTH[a.operation]
        p.require(level, reason, reason_en)
        old = proof_for(p, a.account)
        if a.operation in (CHANGE, REMOVE):
            try:
                verify_proof(p, acct, old, self.verifier(), self.policy)
            except PostingRefused as exc:  # a wrong one still counts (the aftermath)
                raise PostingRefused("pwd_old_wrong", exc.message, exc.message_en,
                                     account=a.account, aftermath=exc.aftermath) from None
        if a.operation == UNLOCK:
            verifier = self.verifier()
            assert verifier is not None and old is not None
            if not verifier.verify(pan_of(acct), old.block, acct.pin_verification_value):
                raise refused("pwd_unlock_wrong", "原密码不正确，不能解锁；客户忘记密码可办理密码重置",
                              "Wrong old password; a customer who forgot it resets it",
                              acct.number)
            p.conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number)
                           .values(pin_failures=0, pin_locked=False))
        elif a.operation == REMOVE:
            p.conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number).values(
                pin_verification_value=None, pin_failures=0, pin_locked=False))
        LossReportService._audit(p.conn, p.request.teller, p.request.terminal,
                                 f"password_{a.operation}", p.now,
                                 {"account": acct.number, "key": p.request.key,
                                  "authorized_by": p.request.authorization.supervisor
                                  if p.request.authorization else None})


class PasswordMaintenance:
    """18030's look-ups (the change is a posted step, above)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def operations(self, account: str) -> tuple[str, ...]:
        with reader(self.engine) as conn:
            a = conn.execute(select(accounts_t).where(accounts_t.c.number == account)).first()
        if a is None:
            return ()
        return operations_for(a.pin_verification_value is not None, bool(a.pin_locked),
                              a.medium_kind == "card")

    def problem(self, req: PasswordChange, branch: str) -> PostingRefused | None:
        """Why the step would refuse before any PIN is looked at (page rule)."""
        if req.by_agent:
            return refused("pwd_no_agent", "密码维护须凭客户本人身份证件办理，不允许代理人办理",
                           "Password maintenance is for the holder in person; no agents")
        try:
            with reader(self.engine) as conn:
                check_request(conn, req, branch)
        except PostingRefused as exc:
            return exc
        return None


def check_request(conn: Connection, req: PasswordChange, branch: str, *, lock: bool = False):
    """The account, if 18030's ``req`` may be done on it now; else a refusal."""
    q = select(accounts_t).where(accounts_t.c.number == req.account)
    acct = conn.execute(q.with_for_update() if lock else q).first()
    n = req.account
    if acct is None:
        raise refused("no_account", f"账户 {n} 不存在", f"No account {n}", n)
    if acct.status in ("closed", "settled"):
        raise refused("pwd_closed", "账户已销户或结清，不能办理密码维护",
                      "The account is closed", n)
    cust = conn.execute(select(customers_t).where(
        customers_t.c.id == acct.customer_id)).first()
    if cust is None or cust.kind != "personal":
        raise refused("pwd_not_personal", "密码维护仅限个人账户", "Personal accounts only", n)
    if not acct.medium_number or req.medium_number.strip() != acct.medium_number:
        raise refused("pwd_medium", "须验证介质：所读凭证与账户不符",
                      "The medium presented is not this account's", n)
    if (req.id_type, req.id_number.strip().upper()) != (cust.id_type, cust.id_number):
        raise refused("pwd_id_mismatch", "证件与户主不符，密码维护须凭客户本人身份证件",
                      "The document is not the holder's own", n)
    bdate = conn.execute(select(branches_t.c.business_date).where(
        branches_t.c.code == branch)).scalar_one()
    kinds = {r.kind for r in in_force(conn, acct.number, bdate)}
    if kinds & VOUCHER_KINDS:
        raise refused("pwd_voucher_lost", "账户凭证已挂失，不允许密码维护",
                      "The medium is reported lost; no password maintenance", n)
    if kinds & PASSWORD_KINDS:
        raise refused("pwd_password_lost", "密码已挂失，请到18020挂失后续处理办理密码补设",
                      "The password is reported lost; re-set it in 18020", n)
    allowed = operations_for(acct.pin_verification_value is not None, bool(acct.pin_locked),
                             acct.medium_kind == "card")
    if req.operation not in allowed:
        raise refused(*_why_not(req.operation, acct), n)
    if req.operation == ADD and acct.branch_code != branch:
        raise refused("pwd_add_branch", "新增密码须到开户网点办理",
                      "A password is added at the opening branch only", n)
    return acct


def _why_not(op: str, acct) -> tuple[str, str, str]:
    has = acct.pin_verification_value is not None
    if op == REMOVE and acct.medium_kind == "card":
        return ("pwd_card_remove", "银行卡必须凭密，不能取消密码",
                "A card always needs a password; it cannot be removed")
    if op == ADD and has:
        return ("pwd_has_password", "账户已有密码，不能新增", "The account already has one")
    if not has:
        return ("pwd_no_password", "账户未设置密码，请办理密码新增",
                "The account has no password; add one")
    if op == UNLOCK:
        return ("pwd_not_locked", "密码未锁定，无需解锁", "The password is not locked")
    return ("pwd_locked", "密码已锁定，请先解锁或重置密码",
            "The password is locked; unlock or reset it first")
