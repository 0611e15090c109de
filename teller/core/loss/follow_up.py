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
  accrual are paid in cash in the same entry, without the PIN that was lost;
- :data:`FOLLOW_UP_AUTH` says which actions need a supervisor — the one table.

Worked example (runnable in ``tests/transactions/test_loss_follow_up.py``)::

    core.post(EntryRequest(key="T01-x-00-0", branch="0101", teller="T001", terminal="T01",
                           txn_code="18020", step="follow_up", reversible=False,
                           attachments=(LossFollowUp(number, "release", "resident_id",
                                                     holder_id),)))
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from teller.core.accounts.interest import InterestSettlement
from teller.core.accounts.rules import NewPin, waive_pin
from teller.core.ledger.accounts import internal_account
from teller.core.ledger.db import reader
from teller.core.ledger.records import Attachment, PostingRefused
from teller.core.ledger.rules import Posting, PostingRule
from teller.core.loss.reports import (
    FREEZE_KINDS, ORAL, PASSWORD, VOUCHER_KINDS, VOUCHER_PASSWORD, WRITTEN,
    Agent, IncidentInfo, LossReportService, _info, accounts_t, controls_t, customers_t,
    in_force, incidents_t, refused,
)
from teller.core.vouchers.blank import VoucherUse
from teller.domain.identity import birth_date_of

RELEASE, REISSUE, NEW_PASSWORD, CLOSE = "release", "reissue", "new_password", "close"
ACTION_TEXT = {RELEASE: ("解除挂失", "release"), REISSUE: ("挂失补发", "reissue the medium"),
               NEW_PASSWORD: ("密码补设", "set a new password"),
               CLOSE: ("挂失销户", "close the account")}
#: Follow-up actions that need a supervisor (授权), the one place the flow reads.
FOLLOW_UP_AUTH = {REISSUE: "A", CLOSE: "A"}
GUARDIAN_AGE_LIMIT = 16


@dataclass(frozen=True)
class LossFollowUp(Attachment, wire_name="loss.follow_up"):
    """18020 on incident ``incident_number``. ``id_type``/``id_number`` is the
    document the holder (or a minor's guardian, with ``agent``) presented. A
    reissue carries the new medium's :class:`~teller.core.vouchers.blank.VoucherUse`,
    a new password :class:`~teller.core.accounts.rules.NewPin`, a close its
    payout legs and the closing :class:`~teller.core.accounts.interest.InterestSettlement`."""

    incident_number: str
    action: str
    id_type: str
    id_number: str
    new_medium_number: str | None = None  # card: the PAN read; passbook: the box's smallest
    agent: Agent | None = None


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

    def needs_new_pin(self, number: str, action: str) -> bool:
        """Whether ``action`` on this incident takes a new password keyed twice."""
        inc = self.incident(number)
        return inc is not None and new_pin_needed(inc.kind, inc.medium_kind, action)

    @staticmethod
    def _action_problem(row, acct, action: str, others: set[str], *,
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

    @staticmethod
    def _check_presenter(req: LossFollowUp, cust, bdate: dt.date) -> None:
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


def new_pin_needed(kind: str, medium_kind: str | None, action: str) -> bool:
    if action == NEW_PASSWORD:
        return True
    if action in (RELEASE, REISSUE) and kind == VOUCHER_PASSWORD:
        return True  # 凭证+密码挂失: the new password comes before the voucher
    return action == REISSUE and medium_kind == "card"


STATUS_AFTER = {RELEASE: "released", REISSUE: "reissued", NEW_PASSWORD: "password_reset",
                CLOSE: "closed"}


class LossFollowUpRule(PostingRule):
    """挂失后续处理 in the step's own entry. The incident ends before the accounts
    are locked (prepare), so the control rules then see only what else binds
    the account; a close pays the balance and the interest out (its legs and
    the closing interest settlement) without the PIN the customer lost, and the
    account is closed once the money is out."""

    name = "loss.follow_up"

    def applies(self, request) -> bool:
        return request.one(LossFollowUp) is not None

    def prepare(self, p: Posting) -> None:
        a = p.request.one(LossFollowUp)
        assert a is not None
        conn, req, bdate, now = p.conn, p.request, p.business_date, p.now
        if p.request.reversible:
            raise refused("loss_irreversible", "挂失后续处理不能冲正",
                          "A loss follow-up cannot be reversed")
        if a.action not in ACTION_TEXT:
            raise refused("loss_action", "后续处理种类不正确", "Unknown follow-up action")
        row = conn.execute(select(incidents_t).where(
            incidents_t.c.incident_number == a.incident_number)).first()
        if row is None:
            raise refused("loss_no_incident", "挂失事故不存在", "No such incident")
        if row.status != "active" or (row.expires_on is not None and row.expires_on < bdate):
            raise refused("loss_not_active", "该挂失事故已处理或已失效",
                          "The incident is no longer in force")
        acct = LossReportService._lock_account(conn, row.account_number)
        cust = conn.execute(select(customers_t).where(
            customers_t.c.id == acct.customer_id)).first()
        LossService._check_presenter(a, cust, bdate)
        if cust.kind == "unit" and row.branch_code != req.branch:
            raise refused("loss_unit_branch", f"单位客户挂失后续处理须在原挂失网点 {row.branch_code} 办理",
                          "A unit's follow-up is done at the branch that took the report",
                          acct.number)
        level = FOLLOW_UP_AUTH.get(a.action)
        if level:
            p.require(level, f"{ACTION_TEXT[a.action][0]}须{level}级主管授权",
                      f"{ACTION_TEXT[a.action][1]} needs level-{level} authorization")
        pins = [x for x in req.all(NewPin) if x.account == acct.number]
        if new_pin_needed(row.kind, acct.medium_kind, a.action) and not pins:
            raise refused("loss_new_pin_required", "须由客户在密码键盘上输入两次新密码",
                          "The customer must key the new password twice")
        others = {x.kind for x in in_force(conn, acct.number, bdate)
                  if x.incident_number != row.incident_number}
        problem = LossService._action_problem(row, acct, a.action, others, conn=conn,
                                              bdate=bdate)
        if problem is not None:
            raise refused(problem[0], problem[1], problem[2], acct.number)
        values: dict = {}
        if a.action == REISSUE:
            new = (a.new_medium_number or "").strip()
            taken = conn.execute(select(accounts_t.c.number).where(
                accounts_t.c.medium_number == new)).first()
            if not new or new == acct.medium_number or taken is not None:
                raise refused("loss_new_medium", "新凭证号无效或已被使用",
                              "The new medium number is missing or already in use", acct.number)
            # The new medium leaves the teller's box in this entry (9001): a
            # passbook by its number, a card by its blank card's serial. The
            # lost one is not handed back: it stays 'used' in the stock.
            use = req.one(VoucherUse)
            card = acct.medium_kind == "card"
            if use is None or use.kind != ("debit_card" if card else "passbook") \
                    or use.account != acct.number or (not card and use.number != new):
                raise refused("loss_new_medium", "补发的介质须取自柜员尾箱",
                              "The new medium comes from the teller's box", acct.number)
            conn.execute(update(accounts_t).where(accounts_t.c.number == acct.number)
                         .values(medium_number=new))
            values["new_medium_number"] = new
        LossReportService._end(conn, row, STATUS_AFTER[a.action], req.teller, now, req.key,
                               **values)
        if a.action == CLOSE:
            waive_pin(p, acct.number)  # the loss certificate stands for the password
            interest = req.one(InterestSettlement)
            if interest is None or not interest.closing or interest.account != acct.number:
                raise refused("loss_close_interest", "挂失销户须同时结清利息",
                              "A loss closure settles the interest too", acct.number)
        LossReportService._audit(conn, req.teller, req.terminal, f"loss_{a.action}", now, {
            "incident": row.incident_number, "account": acct.number, "key": req.key,
            "old_medium": acct.medium_number, **values,
            "agent": a.agent.name if a.agent else None,
            "authorized_by": req.authorization.supervisor if req.authorization else None})
        p.notes[self.name] = acct
        p.fact("incident_number", row.incident_number)

    def check(self, p: Posting) -> None:
        a = p.request.one(LossFollowUp)
        if a is None or a.action != CLOSE:
            return
        acct = p.notes[self.name]
        box = internal_account(p.conn, p.request.branch, "cash_box", p.request.teller)
        paid = sum(mv.leg.amount for mv in p.moves
                   if mv.leg.account == acct.number and not mv.inflow)
        after = p.moves_of(acct.number)[-1].balance_after if p.moves_of(acct.number) else \
            int(acct.balance)
        if after != 0 or (paid and not any(mv.leg.account == box and mv.inflow is False
                                           for mv in p.moves)):
            raise refused("loss_close_payout", "挂失销户须以现金付清全部余额和利息",
                          "A loss closure pays the whole balance and interest out in cash",
                          acct.number)

    def write(self, p: Posting) -> None:
        a = p.request.one(LossFollowUp)
        if a is not None and a.action == CLOSE:
            p.conn.execute(update(accounts_t).where(
                accounts_t.c.number == p.notes[self.name].number)
                .values(status="closed", closed_on=p.business_date))
