"""18030 密码维护 — password maintenance (CBUS §4.3): reset 重置, change 修改,
unlock 解锁, add 新增, remove 取消.

The medium is required (a card is read; a passbook's number is entered), with
the holder's own ID — never an agent. Not while the voucher is reported lost;
a password reported lost is re-set in 18020. New passwords are keyed twice on
the PIN pad; change, unlock and remove verify the old one.

Authorization: :data:`teller.core.accounts.password_maintenance.PASSWORD_AUTH` — the one
table (every operation completes 待授权通过后, level A); the core checks it too.
"""
from __future__ import annotations

from teller.core.accounts.password_maintenance import (
    NEEDS_NEW, NEEDS_OLD, OPERATION_TEXT, PASSWORD_AUTH, PasswordChange,
)
from teller.core.accounts.rules import NewPin, PinProof
from teller.core.ledger.records import PostingRefused
from teller.domain.problems import Problem
from teller.transactions.common import resolve
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import AccountField, ChoiceField, IdField, PinField, TextField
from teller.transactions.flow import AuthNeed, Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.loss_common import AGENT, SELF, as_problem, event_voucher

OPERATION_CHOICES = tuple((k, zh, en.capitalize()) for k, (zh, en) in OPERATION_TEXT.items())


def medium_of(state: FlowState) -> str:
    """The medium presented: the card read, or the passbook number entered."""
    ref = state["account"]
    if ref is not None and ref.medium == "card":
        return ref.number
    return (state["medium_number"] or "").strip()


def request(state: FlowState, services: Services) -> PasswordChange | None:
    info = resolve(state, services, "account")
    doc = state["customer_id"]
    if info is None or doc is None:
        return None
    return PasswordChange(info.number, state["operation"], medium_of(state), doc.type,
                          doc.number, by_agent=state.get("by_agent", SELF) != SELF)


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    req = request(state, services)
    if req is None:
        return [Problem("account", "账户不存在", "No such account")]
    problem = services.core.passwords.problem(req, services.branch)
    if problem is None:
        return []
    field = {"pwd_no_agent": "by_agent", "pwd_medium": "medium_number",
             "pwd_id_mismatch": "customer_id", "no_account": "account"}.get(problem.code,
                                                                             "operation")
    return [as_problem(problem, field)]


def pin_rules(state: FlowState, services: Services) -> list[Problem]:
    op = state["operation"]
    problems = []
    if op in NEEDS_OLD and state["old_pin"] is None:
        problems.append(Problem("old_pin", "须由客户在密码键盘上输入原密码",
                                "The customer must key the old password"))
    if op in NEEDS_NEW:
        if state["new_pin"] is None or state["new_pin_again"] is None:
            problems.append(Problem("new_pin", "须由客户在密码键盘上输入两次新密码",
                                    "The customer must key the new password twice"))
        elif state["new_pin"].ciphertext() != state["new_pin_again"].ciphertext():
            problems.append(Problem("new_pin_again", "两次输入的新密码不一致",
                                    "The two new passwords differ"))
    return problems


def maintain(state: FlowState, ctx: StepContext) -> CommitResult:
    s = ctx.services
    req = request(state, s)
    if req is None:
        raise PostingRefused("no_account", "账户不存在", "No such account")
    ctx.bind("account", req.account)
    attach: tuple = (req,)
    if state["old_pin"] is not None:
        attach += (PinProof(req.account, state["old_pin"]),)
    if state["new_pin"] is not None:
        attach += (NewPin(req.account, state["new_pin"],
                          state["new_pin_again"] or state["new_pin"]),)
    posted = ctx.post((), memo=OPERATION_TEXT[req.operation][0], attach=attach)
    info = resolve(state, s, "account")
    voucher = event_voucher(ctx, title=PasswordMaintenanceFlow.title,
                            title_en=PasswordMaintenanceFlow.title_en, account=req.account,
                            account_name=info.customer_name if info else "",
                            memo=OPERATION_TEXT[req.operation][0], posted=posted)
    return CommitResult((posted,), (voucher,), (("account_number", req.account),
                                                ("has_password", req.operation != "remove")))


class PasswordMaintenanceFlow(Flow):
    """密码维护 (CBUS 18030)."""

    code = "18030"
    title = "密码维护"
    title_en = "Password maintenance"
    category = "maintenance"
    pages = (
        Page("account", "账户与证件", "Account and ID", rules=account_rules,
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     TextField("medium_number", "存折/存单号", "Passbook number", required=False,
                               max_len=32, help="读卡时不必输入", help_en="Not for a card"),
                     IdField("customer_id", "客户本人证件", "Holder's own ID"),
                     ChoiceField("operation", "维护种类", "Operation", choices=OPERATION_CHOICES),
                     ChoiceField("by_agent", "办理人", "Who acts", default=SELF,
                                 choices=((SELF, "本人办理", "The holder"),
                                          (AGENT, "代理人办理", "An agent"))))),
        Page("pins", "密码", "Passwords", rules=pin_rules,
             fields=(PinField("old_pin", "原密码", "Old PIN", required=False),
                     PinField("new_pin", "新密码", "New PIN", required=False),
                     PinField("new_pin_again", "再次输入新密码", "New PIN again",
                              required=False))),
        Commit("apply", "提交", "Submit", execute=maintain, reversible=False),
    )

    def authorization(self, state: FlowState, ctx: Services) -> list[AuthNeed]:
        rule = PASSWORD_AUTH.get(state["operation"] or "")
        return [AuthNeed(*rule)] if rule else []
