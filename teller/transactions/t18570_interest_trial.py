"""18570 存款利息试算 — interest trial by account or by product; posts nothing.

By account: a time deposit shows the interest at maturity and what a
withdrawal today would pay (optionally of a part); a current account shows the
accrual (积数) closed by the day-end batch so far and its interest — what a
settlement today (18410) pays — and the same with today's balance added, what
tonight's quarterly batch would pay. By product: principal, term (or current),
start and withdrawal dates. The figures come from the same functions the
postings use (teller.core.time_deposits.deposits / interest_service).
"""
from __future__ import annotations

from teller.core.time_deposits.deposits import TimeDepositInfo, quote_withdrawal
from teller.domain.interest import accrual_for, interest_on_accrual, maturity_date, term_interest
from teller.domain.problems import Problem
from teller.transactions.context import Services
from teller.transactions.fields import AccountField, AmountField, ChoiceField, DateField
from teller.transactions.flow import Flow, FlowState, Page
from teller.transactions.time_common import (
    TERM_CHOICES, deposit_lines, money, quote_lines,
)

BY_CHOICES = (("account", "按账号试算", "By account"), ("product", "按产品试算", "By product"))
PRODUCT_CHOICES = (("0", "活期", "Current"),) + TERM_CHOICES


def by_account(state: FlowState) -> bool:
    return state["by"] == "account"


def account_rules(state: FlowState, services: Services) -> list[Problem]:
    info = services.core.resolve_account(state["account"].number)
    if info is None:
        return [Problem("account", "账户不存在", "No such account")]
    d = services.core.time.deposit(info.number)
    if d is not None:
        if d.state != "open":
            return [Problem("account", "该存单已支取或已销户，无可试算利息",
                            "The deposit is no longer open")]
        amount = state["amount"]
        if amount is not None and amount.fen > d.principal:
            return [Problem("amount", "试算金额超过存单金额", "More than the deposit")]
        return []
    if services.core.interest.quote_current(info.number) is None:
        return [Problem("account", "该账户不计息（非活期或定期账户）",
                        "This account earns no interest here")]
    return []


def product_rules(state: FlowState, services: Services) -> list[Problem]:
    end = state["end"] or services.business_date
    if end < state["start"]:
        return [Problem("end", "试算支取日期不能早于起息日期", "Withdrawal before the start date")]
    if state["term"] != "0" and services.core.time.product_for_term(int(state["term"])) is None:
        return [Problem("term", "该存期没有产品", "No product for this term")]
    return []


def account_result(state: FlowState, services: Services) -> list[tuple[str, str, str]]:
    info = services.core.resolve_account(state["account"].number)
    today = services.business_date
    d = services.core.time.deposit(info.number)
    if d is not None:
        at_maturity = quote_withdrawal(d, d.maturity_date, services.core.interest.current_rate())
        lines = deposit_lines(d) + [("到期利息", "Interest at maturity",
                                     money(at_maturity.interest))]
        amount = state["amount"].fen if state["amount"] is not None else None
        _, q = services.core.time.quote(info.number, today, amount)
        return lines + [("试算日期", "Trial date", today.isoformat())] + quote_lines(q)
    c = services.core.interest.quote_current(info.number)
    return [("账号", "Account", info.number), ("户名", "Holder", info.customer_name),
            ("余额", "Balance", money(c.balance)), ("活期利率", "Rate", str(c.rate)),
            ("积数（截至上日）", "Accrual to yesterday", f"{c.accrual:,}"),
            ("今日结息利息", "Interest if settled today", money(c.interest)),
            ("积数（含今日余额）", "Accrual with today", f"{c.accrual_with_today:,}"),
            ("日终结息利息", "Interest at tonight's settlement", money(c.interest_with_today))]


def product_result(state: FlowState, services: Services) -> list[tuple[str, str, str]]:
    principal, start = state["principal"].fen, state["start"]
    end = state["end"] or services.business_date
    current = services.core.interest.current_rate()
    if state["term"] == "0":
        days = (end - start).days
        interest = interest_on_accrual(accrual_for(principal, days), current)
        return [("产品", "Product", "活期"), ("利率", "Rate", str(current)),
                ("天数", "Days", str(days)), ("利息合计", "Interest", money(interest)),
                ("本息合计", "Payout", money(principal + interest))]
    p = services.core.time.product_for_term(int(state["term"]))
    d = TimeDepositInfo(
        account="", branch=services.branch, customer_id=None, holder="", product_code=p.code,
        product_name=p.name, term_months=p.term_months, rate=p.rate, start_date=start,
        maturity_date=maturity_date(start, p.term_months), auto_rollover=False,
        principal=principal, slip_number=None, partial_done=False, state="open",
        minimum_fen=p.minimum_fen)
    return [("产品", "Product", p.name), ("利率", "Rate", str(p.rate)),
            ("到期日", "Maturity date", d.maturity_date.isoformat()),
            ("到期利息", "Interest at maturity",
             money(term_interest(principal, p.rate, p.term_months))),
            ("试算日期", "Trial date", end.isoformat())] + quote_lines(
                quote_withdrawal(d, end, current))


def result(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    lines = (account_result if by_account(state) else product_result)(state, services)
    return tuple(lines) + (("说明", "Note", "试算结果仅供参考，以实际支取时为准"),)


class InterestTrial(Flow):
    """存款利息试算 (CBUS 18570)."""

    code = "18570"
    title = "存款利息试算"
    title_en = "Interest trial"
    category = "query"
    pages = (
        Page("by", "试算方式", "Trial by",
             fields=(ChoiceField("by", "试算方式", "Trial by", choices=BY_CHOICES,
                                 default="account"),)),
        Page("account", "按账号", "By account", skip_if=lambda s: not by_account(s),
             rules=account_rules, summary=result,
             fields=(AccountField("account", "账号/卡号", "Account or card number"),
                     AmountField("amount", "试算支取金额", "Amount to withdraw", required=False,
                                 help="定期部分支取试算；不输入为全部",
                                 help_en="Time deposits: a part; blank = all"))),
        Page("product", "按产品", "By product", skip_if=by_account, rules=product_rules,
             summary=result,
             fields=(ChoiceField("term", "产品（存期）", "Product (term)", choices=PRODUCT_CHOICES,
                                 default="12"),
                     AmountField("principal", "存入本金", "Principal"),
                     DateField("start", "起息日期", "Start date"),
                     DateField("end", "试算支取日期", "Withdrawal date", required=False,
                               help="不输入为当前营业日", help_en="Blank = today"))),
        # No fields: the host shows the summaries of the pages before — the result.
        Page("result", "试算结果", "Result"),
    )
