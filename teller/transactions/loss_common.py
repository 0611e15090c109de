"""Pieces shared by the 事务类 flows 18010 / 18020 / 18030: the holder's document,
agent fields, core refusals as page problems, and the business voucher of a
step that moves no money (事故编号 in place of an amount).

The core re-checks everything these page rules check (teller.core.loss.reports,
teller.core.accounts.password_maintenance); the pages only say it earlier.
"""
from __future__ import annotations


from teller.core.ledger.records import PostedEntry, PostingRefused
from teller.domain.money import Money, to_chinese_capital
from teller.domain.problems import Problem
from teller.transactions.context import Services, StepContext
from teller.transactions.fields import ID_TYPES, ChoiceField, IdField, TextField
from teller.transactions.flow import FlowState
from teller.transactions.voucher import Voucher, mask_account

#: A unit enters by its document (证明文件号码), a person by an ID card.
HOLDER_ID_TYPES = ID_TYPES + (("credit_code", "统一社会信用代码", "Unified social credit code"),)

SELF, AGENT, GUARDIAN = "self", "agent", "guardian"


def holder_field(name: str = "customer_id") -> IdField:
    return IdField(name, "客户证件", "Holder's document", id_types=HOLDER_ID_TYPES)


def agent_fields(choices: tuple[tuple[str, str, str], ...]) -> tuple:
    return (ChoiceField("by_agent", "办理人", "Who acts", choices=choices, default=SELF),
            TextField("agent_name", "代理人姓名", "Agent's name", required=False, max_len=40),
            IdField("agent_id", "代理人证件", "Agent's ID", required=False))


def agent_rules(state: FlowState, services: Services) -> list[Problem]:
    if state.get("by_agent", SELF) == SELF:
        return []
    problems = []
    if not state["agent_name"]:
        problems.append(Problem("agent_name", "代理人办理须录入代理人姓名",
                                "The agent's name is required"))
    if state["agent_id"] is None:
        problems.append(Problem("agent_id", "代理人办理须录入代理人证件",
                                "The agent's ID is required"))
    return problems


def as_problem(exc: PostingRefused, field: str = "") -> Problem:
    return Problem(field, exc.message, exc.message_en)


def event_voucher(ctx: StepContext, *, title: str, title_en: str, account: str,
                  account_name: str, memo: str, posted: PostedEntry | None = None,
                  amount_fen: int = 0) -> Voucher:
    """The business voucher (挂失业务凭证 …) of a step; a fee or payout, when there
    is one, gives it an amount and a journal number."""
    s = ctx.services
    return Voucher(
        bank=s.branch_info.bank_name, branch=s.branch, branch_name=s.branch_info.name,
        txn_code=ctx.code, txn_name=title, txn_name_en=title_en,
        account_masked=mask_account(account), account_name=account_name,
        amount_fen=amount_fen, amount_capital=to_chinese_capital(Money(amount_fen)),
        journal_number=posted.journal_number if posted else "", teller=s.teller,
        authorizer=ctx.authorization.supervisor if ctx.authorization else None,
        time=posted.created_at if posted else s.clock(),
        business_date=posted.business_date if posted else s.business_date,
        mode="cash" if amount_fen else "", memo=memo)
