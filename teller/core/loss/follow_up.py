"""Loss follow-up (挂失后续处理, CBUS 18020) in the core: release 解挂, reissue the
medium 补发 (new number, the old one void), a new password 密码补设, and close the
account through the loss 挂失销户 — each one transaction with every rule of
CBUS §4.2 checked inside it:

- only incidents still in force (a lapsed oral one is gone); the holder's own
  document; no agents, except a guardian of a holder under 16 (the resident ID
  gives the birth date); a unit's incident at the branch that took it;
- voucher and password reported separately: the password one first (no
  release, reissue or close of the voucher one while it stands);
- reissue only after a written (or voucher+password) report; a card reissue, and
  anything on a voucher+password report, takes the new password keyed twice;
- close not while frozen, not from an oral report; balance and interest on the
  accrual are paid in cash in the same transaction;
- :data:`FOLLOW_UP_AUTH` says which actions need a supervisor — the one table.

Worked example (runnable in ``tests/transactions/test_loss_follow_up.py``)::

    loss = LossService(engine, posting, pins=lambda: pin_service)
    loss.follow_up(FollowUp(key="T01-x-00-0", branch="0101", teller="T001", terminal="T01",
                            incident_number=number, action="release",
                            id_type="resident_id", id_number=holder_id))
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from teller.core.cash.counts import made_up_count
from teller.core.vouchers.blank import post_using
from teller.core.ledger.db import reader, run_in_transaction
from teller.core.accounts.models import Product
from teller.core.ledger.accounts import internal_account
from teller.core.loss.reports import (
    FREEZE_KINDS, ORAL, PASSWORD, VOUCHER_KINDS, VOUCHER_PASSWORD, WRITTEN,
    Agent, IncidentInfo, LossOutcome, LossReportService, _info, accounts_t, branches_t,
    controls_t, customers_t, in_force, incidents_t, refused, store_pin,
)
from teller.core.ledger.engine import authorization_problem
from teller.core.ledger.records import AuthGrant, EntryRequest, Leg, PostedEntry, PostingRefused
from teller.domain.identity import birth_date_of
from teller.domain.interest import Rate, interest_on_accrual
from teller.domain.pin import PinBlock

products_t = Product.__table__

RELEASE, REISSUE, NEW_PASSWORD, CLOSE = "release", "reissue", "new_password", "close"
ACTION_TEXT = {RELEASE: ("解除挂失", "release"), REISSUE: ("挂失补发", "reissue the medium"),
               NEW_PASSWORD: ("密码补设", "set a new password"),
               CLOSE: ("挂失销户", "close the account")}
#: Follow-up actions that need a supervisor (授权), the one place the flow reads.
FOLLOW_UP_AUTH = {REISSUE: "A", CLOSE: "A"}
GUARDIAN_AGE_LIMIT = 16


@dataclass(frozen=True)
class FollowUp:
    """A follow-up on one incident (18020). ``id_type``/``id_number`` is the
    document the holder (or a minor's guardian, with ``agent``) presented."""

    key: str
    branch: str
    teller: str
    terminal: str
    incident_number: str
    action: str
    id_type: str
    id_number: str
    new_medium_number: str | None = None  # card: the PAN read; passbook: the box's smallest
    new_pin: PinBlock | None = None
    new_pin_again: PinBlock | None = None
    agent: Agent | None = None
    authorization: AuthGrant | None = None
    voucher_number: str | None = None  # card: the blank card's stock serial (None: smallest)


class LossService(LossReportService):
    """18010 (inherited) and 18020: what ``CoreServices.loss`` is."""

    def open_incidents(self, id_type: str, id_number: str) -> tuple[IncidentInfo, ...]:
        """The holder's incidents still in force (18020's list)."""
        with reader(self.engine) as conn:
            cust = self._customer(conn, id_type, id_number)
            rows = conn.execute(select(incidents_t, accounts_t.c.branch_code.label("ab"))
                                .join(accounts_t,
                                      accounts_t.c.number == incidents_t.c.account_number)
                                .where(accounts_t.c.customer_id == cust.id,
                                       incidents_t.c.status == "active")
                                .order_by(incidents_t.c.incident_number)).all()
            out = []
            for r in rows:
                if r.expires_on is None or r.expires_on >= self._bdate(conn, r.ab):
                    out.append(_info(r))
        return tuple(out)

    def follow_up_actions(self, number: str) -> tuple[str, ...]:
        """What 18020 may do with this incident now."""
        with reader(self.engine) as conn:
            r = conn.execute(select(incidents_t).where(
                incidents_t.c.incident_number == number)).first()
            if r is None or r.status != "active":
                return ()
            acct = conn.execute(select(accounts_t).where(
                accounts_t.c.number == r.account_number)).one()
            others = {x.kind for x in in_force(conn, r.account_number,
                                               self._bdate(conn, acct.branch_code))
                      if x.incident_number != number}
        return tuple(a for a in (RELEASE, REISSUE, NEW_PASSWORD, CLOSE)
                     if self._action_problem(r, acct, a, others) is None)

    def follow_up_problem(self, number: str, action: str) -> PostingRefused | None:
        """Why :meth:`follow_up` would refuse ``action`` on this incident (page rule;
        the frozen check is left to the commit, which sees the controls locked)."""
        with reader(self.engine) as conn:
            r = conn.execute(select(incidents_t).where(
                incidents_t.c.incident_number == number)).first()
            if r is None:
                return refused("loss_no_incident", "挂失事故不存在", "No such incident")
            acct = conn.execute(select(accounts_t).where(
                accounts_t.c.number == r.account_number)).one()
            bdate = self._bdate(conn, acct.branch_code)
            if r.status != "active" or (r.expires_on is not None and r.expires_on < bdate):
                return refused("loss_not_active", "该挂失事故已处理或已失效",
                               "The incident is no longer in force")
            others = {x.kind for x in in_force(conn, r.account_number, bdate)
                      if x.incident_number != number}
            problem = self._action_problem(r, acct, action, others, conn=conn, bdate=bdate)
        return refused(*problem, acct.number) if problem else None

    # -- 18020 ---------------------------------------------------------------
    def follow_up(self, req: FollowUp) -> LossOutcome:
        """Release, reissue, new password or close — one incident, one transaction."""
        if req.action not in ACTION_TEXT:
            raise refused("loss_action", "后续处理种类不正确", "Unknown follow-up action")
        with reader(self.engine) as conn:
            done = conn.execute(select(incidents_t).where(
                incidents_t.c.ended_key == req.key)).first()
        if done is not None:
            return LossOutcome(_info(done), self.posting.find(req.key), replayed=True)
        needs_pin = self._needs_new_pin(req)
        if needs_pin and (req.new_pin is None or req.new_pin_again is None):
            raise refused("loss_new_pin_required", "须由客户在密码键盘上输入两次新密码",
                          "The customer must key the new password twice")
        if req.new_pin is not None and (req.new_pin_again is None or
                                        req.new_pin.ciphertext() != req.new_pin_again.ciphertext()):
            raise refused("pin_mismatch", "两次输入的新密码不一致",
                          "The two new passwords differ")
        posted, outcome = run_in_transaction(self.engine, lambda c: self._follow_up_in(c, req))
        return LossOutcome(outcome.incident, posted)

    def _needs_new_pin(self, req: FollowUp) -> bool:
        inc = self.incident(req.incident_number)
        if inc is None:
            return False
        if req.action == NEW_PASSWORD:
            return True
        if req.action in (RELEASE, REISSUE) and inc.kind == VOUCHER_PASSWORD:
            return True  # 凭证+密码挂失: the new password comes before the voucher
        return req.action == REISSUE and inc.medium_kind == "card"

    def _follow_up_in(self, conn: Connection, req: FollowUp):
        row = conn.execute(select(incidents_t).where(
            incidents_t.c.incident_number == req.incident_number)).first()
        if row is None:
            raise refused("loss_no_incident", "挂失事故不存在", "No such incident")
        branch = conn.execute(select(branches_t).where(branches_t.c.code == req.branch)).one()
        bdate = branch.business_date
        if branch.status != "open":
            raise refused("branch_closed", "网点已日终或未开门", "The branch is not open")
        if row.status != "active" or (row.expires_on is not None and row.expires_on < bdate):
            raise refused("loss_not_active", "该挂失事故已处理或已失效",
                          "The incident is no longer in force")
        acct = self._lock_account(conn, row.account_number)
        cust = conn.execute(select(customers_t).where(
            customers_t.c.id == acct.customer_id)).first()
        self._check_presenter(req, cust, bdate)
        if cust.kind == "unit" and row.branch_code != req.branch:
            raise refused("loss_unit_branch", f"单位客户挂失后续处理须在原挂失网点 {row.branch_code} 办理",
                          "A unit's follow-up is done at the branch that took the report",
                          acct.number)
        level = FOLLOW_UP_AUTH.get(req.action)
        if level:
            self._check_grant(conn, req.authorization, req.teller, level, req.action)
        if (req.new_pin is not None or self._needs_new_pin(req)) and self.pins() is None:
            raise refused("no_pin_service", "未配置密码验证服务", "No PIN verifier configured")
        others = {x.kind for x in in_force(conn, acct.number, bdate)
                  if x.incident_number != row.incident_number}
        problem = self._action_problem(row, acct, req.action, others, conn=conn, bdate=bdate)
        if problem is not None:
            raise refused(problem[0], problem[1], problem[2], acct.number)
        now = self.clock().replace(tzinfo=None)
        posted = None
        values: dict = {}
        status = {RELEASE: "released", REISSUE: "reissued", NEW_PASSWORD: "password_reset",
                  CLOSE: "closed"}[req.action]
        if req.action == REISSUE:
            new = (req.new_medium_number or "").strip()
            taken = conn.execute(select(accounts_t.c.number).where(
                accounts_t.c.medium_number == new)).first()
            if not new or new == acct.medium_number or taken is not None:
                raise refused("loss_new_medium", "新凭证号无效或已被使用",
                              "The new medium number is missing or already in use", acct.number)
            conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number)
                         .values(medium_number=new))
            values["new_medium_number"] = new
            # The new medium leaves the teller's box in this follow-up's own entry
            # (9001): a passbook by its number, a card by its blank card's serial.
            # The lost one is not handed back: it stays 'used' in the stock.
            card = acct.medium_kind == "card"
            posted = post_using(conn, self.posting, EntryRequest(
                key=req.key, branch=req.branch, teller=req.teller, terminal=req.terminal,
                txn_code="18020", step="follow_up", legs=(), reversible=False,
                memo=f"挂失补发 {acct.number}"),
                kind="debit_card" if card else "passbook",
                number=req.voucher_number if card else new, account=acct.number)
        if req.new_pin is not None:
            # In this transaction, after any reissue: a card's PIN block is bound to
            # the card number the customer keyed it for — the new one.
            self._store_pin(conn, acct.number, req.new_pin)
        self._end(conn, row, status, req.teller, now, req.key, **values)
        if req.action == CLOSE:
            posted = self._close_account(conn, req, acct, bdate)
        self._audit(conn, req.teller, req.terminal, f"loss_{req.action}", now, {
            "incident": row.incident_number, "account": acct.number, "key": req.key,
            "old_medium": acct.medium_number, **values,
            "agent": req.agent.name if req.agent else None,
            "authorized_by": req.authorization.supervisor if req.authorization else None})
        if level and req.authorization is not None:
            self._record_grant(conn, req.authorization, req.teller, level, now,
                               ACTION_TEXT[req.action][0], "18020")
        done = conn.execute(select(incidents_t).where(
            incidents_t.c.incident_number == row.incident_number)).one()
        return posted, LossOutcome(_info(done), posted)

    def _action_problem(self, row, acct, action: str, others: set[str], *,
                        conn: Connection | None = None, bdate: dt.date | None = None
                        ) -> tuple[str, str, str] | None:
        if row.kind in (ORAL, WRITTEN) and PASSWORD in others:
            return ("loss_password_first", "该账户另有密码挂失，须先处理密码挂失，再处理凭证挂失",
                    "Handle the password loss before the voucher loss")
        if action == NEW_PASSWORD and row.kind != PASSWORD:
            return ("loss_action_kind", "只有密码挂失可办理密码补设",
                    "Only a password loss takes a new password alone")
        if action == REISSUE and row.kind not in (WRITTEN, VOUCHER_PASSWORD):
            return ("loss_reissue_kind", "须先办理书面挂失才能补发凭证",
                    "A medium is reissued only after a written report")
        if action == CLOSE:
            if row.kind == ORAL:
                return ("loss_close_oral", "口头挂失不能直接销户，请先办理书面挂失",
                        "An oral report cannot close the account; report in writing first")
            if row.kind == PASSWORD and others & VOUCHER_KINDS:
                return ("loss_close_split", "凭证挂失和密码挂失分开办理的账户不能直接挂失销户，"
                        "须先处理密码，再处理凭证",
                        "Voucher and password reported separately: handle the password first")
            if conn is not None and bdate is not None:
                frozen = conn.execute(select(controls_t.c.id).where(
                    controls_t.c.account_number == acct.number, controls_t.c.status == "active",
                    controls_t.c.kind.in_(FREEZE_KINDS), controls_t.c.starts_on <= bdate,
                    or_(controls_t.c.expires_on.is_(None), controls_t.c.expires_on >= bdate))
                ).first()
                if frozen is not None:
                    return ("loss_close_frozen", "账户已冻结，不能办理挂失销户",
                            "The account is frozen; it cannot be closed")
        return None

    def _check_presenter(self, req: FollowUp, cust, bdate: dt.date) -> None:
        if cust is None:
            raise refused("loss_no_customer", "账户没有客户信息", "The account has no customer")
        if (req.id_type, req.id_number.strip().upper()) != (cust.id_type, cust.id_number):
            raise refused("loss_id_mismatch", "证件与账户户主不符",
                          "The document is not the holder's")
        if req.agent is None:
            return
        if req.agent.relation != "guardian":
            raise refused("loss_no_agent", "挂失后续处理不允许代理人办理",
                          "No agents for loss follow-up")
        if cust.id_type != "resident_id":
            raise refused("loss_guardian_age", "无法确认户主年龄，监护人不能代办",
                          "The holder's age is unknown; no guardian")
        born = birth_date_of(cust.id_number)
        sixteenth = born.replace(year=born.year + GUARDIAN_AGE_LIMIT) if not (
            born.month == 2 and born.day == 29) else dt.date(born.year + GUARDIAN_AGE_LIMIT, 3, 1)
        if bdate >= sixteenth:
            raise refused("loss_guardian_age", "户主已满16周岁，须本人办理，监护人不能代办",
                          "The holder is 16 or older; no guardian")
        if not (req.agent.name.strip() and req.agent.id_number.strip()):
            raise refused("loss_agent_details", "须录入监护人姓名和证件",
                          "The guardian's name and ID are required")

    def _close_account(self, conn: Connection, req: FollowUp, acct, bdate: dt.date
                       ) -> PostedEntry:
        """挂失销户: pay interest on the accrual and the whole balance out in cash."""
        box = internal_account(conn, req.branch, "cash_box", req.teller)
        if box is None:
            raise refused("no_cash_box", "柜员没有尾箱，不能办理销户付现", "No cash box")
        rate = 0
        if acct.product_code:
            rate = int(conn.execute(select(products_t.c.annual_rate_micro).where(
                products_t.c.code == acct.product_code)).scalar_one())
        interest = interest_on_accrual(int(acct.accrual), Rate(rate)) if acct.accrual > 0 else 0
        legs = []
        if interest:
            expense = internal_account(conn, req.branch, "interest_expense")
            if expense is None:
                raise refused("no_interest_account", "利息支出账户不存在", "No interest account")
            legs += [Leg(expense, "D", interest, "销户结息"), Leg(acct.number, "C", interest,
                                                                   "销户结息")]
        payout = int(acct.balance) + interest
        if payout:
            legs += [Leg(acct.number, "D", payout, "挂失销户"), Leg(box, "C", payout, "挂失销户")]
        posted = None
        if legs:
            # The incident's control was ended above, in this transaction, so the
            # engine's own control check sees only what else binds the account.
            posted = self.posting.post_in(conn, EntryRequest(
                key=req.key, branch=req.branch, teller=req.teller, terminal=req.terminal,
                txn_code="18020", step="close", legs=tuple(legs), memo="挂失销户",
                cash=(made_up_count(conn, box, payout, "out"),) if payout else (),
                reversible=False, required_level=FOLLOW_UP_AUTH[CLOSE],
                authorization=req.authorization))
        conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number)
                     .values(status="closed", closed_on=bdate, accrual=0))
        return posted

    def _store_pin(self, conn: Connection, account: str, block: PinBlock) -> None:
        pins = self.pins()
        if pins is None:
            raise refused("no_pin_service", "未配置密码验证服务", "No PIN verifier configured")
        store_pin(conn, pins, account, block)

    @staticmethod
    def _check_grant(conn: Connection, grant: AuthGrant | None, teller: str, level: str,
                     action: str) -> None:
        if grant is None:
            raise refused("needs_authorization", f"{ACTION_TEXT[action][0]}须{level}级主管授权",
                          f"{ACTION_TEXT[action][1]} needs level-{level} authorization")
        problem = authorization_problem(conn, grant.supervisor, teller, level)
        if problem:
            raise refused(*problem)
