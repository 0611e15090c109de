"""18620 客户账户查询 — a customer's accounts, found by ID type and number (no posting)."""
from __future__ import annotations

from teller.domain.problems import Problem
from teller.transactions.common import STATUS_TEXT
from teller.transactions.context import Services
from teller.transactions.fields import IdField
from teller.transactions.flow import Flow, FlowState, Page, ResultTable
from teller.transactions.personal_pages import CLASS_TEXT, MEDIUM_TEXT, money


def known(state: FlowState, services: Services) -> list[Problem]:
    doc = state["id"]
    if services.core.personal.customer(doc.type, doc.number) is None:
        return [Problem("id", "该证件没有客户信息", "No customer with this document")]
    return []


def holder(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    doc = state["id"]
    c = services.core.personal.customer(doc.type, doc.number)
    return (("客户", "Customer", f"{c.name}（客户号 {c.id}）"), ("电话", "Phone", c.phone))


def accounts_table(state: FlowState, services: Services) -> ResultTable:
    doc = state["id"]
    rows = tuple((a.number, a.product_name, CLASS_TEXT.get(a.account_class or "", ""),
                  STATUS_TEXT.get(a.status, a.status), money(a.balance),
                  f"{MEDIUM_TEXT.get(a.medium_kind or '', '')} {a.medium_number or ''}".strip(),
                  a.opened_on.isoformat())
                 for a in services.core.personal.customer_accounts(doc.type, doc.number))
    return ResultTable((("账号", "Account"), ("产品", "Product"), ("分类", "Class"),
                        ("状态", "Status"), ("余额", "Balance"), ("介质", "Medium"),
                        ("开户日", "Opened")), rows, f"共 {len(rows)} 户")


class CustomerAccounts(Flow):
    """客户账户查询."""

    code = "18620"
    title = "客户账户查询"
    title_en = "Customer's accounts"
    category = "query"
    pages = (
        Page("customer", "客户证件", "Customer", rules=known, summary=holder,
             table=accounts_table, fields=(IdField("id", "证件类型及号码", "ID type and number"),)),
    )
