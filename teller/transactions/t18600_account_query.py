"""18600 账户信息查询 — an account with its balance, available balance, holds and
controls (no posting). The result page shows the account's facts and a table
of its active controls."""
from __future__ import annotations

from teller.domain.problems import Problem
from teller.transactions.common import CONTROL_TEXT, STATUS_TEXT, resolve
from teller.transactions.context import Services
from teller.transactions.fields import AccountField
from teller.transactions.flow import Flow, FlowState, Page, ResultTable
from teller.transactions.personal_pages import (
    CLASS_TEXT, MEDIUM_TEXT, METHOD_TEXT, SCOPE_TEXT, money,
)


def exists(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "account")
    if info is None or not info.is_customer:
        return [Problem("account", "账户不存在", "No such account")]
    return []


def details(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    d = services.core.personal.account_detail(resolve(state, services, "account").number)
    return (("户名", "Holder", d.customer_name), ("账号", "Account", d.number),
            ("产品", "Product", d.product_name),
            ("账户分类", "Class", CLASS_TEXT.get(d.account_class or "", "")),
            ("绑定账户", "Bound account", d.bound_account or ""),
            ("状态", "Status", STATUS_TEXT.get(d.status, d.status)),
            ("余额", "Balance", money(d.balance)),
            ("可用余额", "Available", money(d.available)),
            ("圈存/冻结金额", "Held", money(d.held)),
            ("支取方式", "Withdrawal", METHOD_TEXT.get(d.withdrawal_method, d.withdrawal_method)),
            ("通存通兑", "Scope", SCOPE_TEXT.get(d.scope, d.scope)),
            ("介质", "Medium", f"{MEDIUM_TEXT.get(d.medium_kind or '', '')} "
                               f"{d.medium_number or ''}".strip()),
            ("开户日", "Opened", d.opened_on.isoformat()),
            ("销户日", "Closed", d.closed_on.isoformat() if d.closed_on else ""),
            ("密码", "Password", ("已锁定" if d.pin_locked else "已设置") if d.has_password
             else "未设置"),
            ("短信签约", "SMS", "、".join(d.sms_mobiles)))


def controls_table(state: FlowState, services: Services) -> ResultTable:
    d = services.core.personal.account_detail(resolve(state, services, "account").number)
    rows = tuple((CONTROL_TEXT.get(c.kind, c.kind), money(c.amount), c.incident_number,
                  c.starts_on.isoformat(), c.expires_on.isoformat() if c.expires_on else "")
                 for c in d.controls)
    return ResultTable((("控制", "Control"), ("金额", "Amount"), ("事故编号", "Incident"),
                        ("起始日", "From"), ("到期日", "Until")), rows,
                       f"共 {len(rows)} 项控制" if rows else "无控制")


class AccountQuery(Flow):
    """账户信息查询."""

    code = "18600"
    title = "账户信息查询"
    title_en = "Account enquiry"
    category = "query"
    pages = (
        Page("account", "查询账户", "Account", rules=exists, summary=details,
             table=controls_table,
             fields=(AccountField("account", "账号/卡号", "Account or card number"),)),
    )
