"""10110 整存整取开户 — personal time deposit opening, from cash or a current account.

The deposit becomes its own account (kind personal_time, subject 2018) with
term, the product's rate of the day, start and maturity dates, the rollover
flag (自动转存) and a deposit slip (存单) number. Cash: debit the teller's box,
with the notes by denomination (券别, proposed from the amount when left blank);
transfer: debit a personal current account of the *same* customer. The core
(``core.time.open``) checks every rule again and creates the account, the
entry and the slip in one transaction. Reversible the same day (08210).
"""
from __future__ import annotations

from teller.core.ledger.records import Leg, PostingRefused
from teller.core.time_deposits.deposits import TimeDepositOpening as Opening, opening_problems
from teller.domain.interest import maturity_date, term_interest
from teller.domain.problems import Problem
from teller.transactions.common import (
    MODE_CHOICES, STATUS_TEXT, cash_box, cash_counts, cash_summary, holder_summary, is_cash,
    is_transfer, require, resolve,
)
from teller.transactions.context import Services, StepContext
from teller.transactions.deposit_slip import (
    issued_slip_field, slip_problems, slip_summary, slip_to_issue)
from teller.transactions.fields import (
    AccountField, AmountField, ChoiceField, IdField, PinField, TextField,
)
from teller.transactions.flow import Commit, CommitResult, Flow, FlowState, Page
from teller.transactions.counter_pages import all_rules, checks, funds_declared, pin_rules
from teller.transactions.time_common import (
    ROLLOVER_CHOICES, TERM_CHOICES, TERM_TEXT, cash_page_rules, money, note_fields,
)
from teller.transactions.voucher import make_voucher


def customer_of(state: FlowState, services: Services):
    doc = state["customer_doc"]
    return services.core.time.customer_by_document(doc.type, doc.number) if doc else None


def customer_rules(state: FlowState, services: Services) -> list[Problem]:
    cust = customer_of(state, services)
    if cust is None:
        return [Problem("customer_doc", "客户不存在，请先建立客户信息",
                        "No customer with this ID; create the customer first")]
    if cust.kind != "personal":
        return [Problem("customer_doc", "整存整取只对个人客户开立",
                        "Time deposits here are for personal customers")]
    return []


def customer_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    cust = customer_of(state, services)
    return (("客户名称", "Customer", cust.name),) if cust else ()


def product_of(state: FlowState, services: Services):
    term = state["term"]
    return services.core.time.product_for_term(int(term)) if term else None


def deposit_rules(state: FlowState, services: Services) -> list[Problem]:
    return (opening_problems(product_of(state, services), state["amount"].fen)
            or slip_problems(state, services, "slip"))


def deposit_summary(state: FlowState, services: Services) -> tuple[tuple[str, str, str], ...]:
    p = product_of(state, services)
    if p is None:
        return ()
    start = services.business_date
    return (("产品", "Product", p.name), ("利率", "Rate", str(p.rate)),
            ("起存金额", "Minimum", money(p.minimum_fen)),
            ("起息日", "Start date", start.isoformat()),
            ("到期日", "Maturity date", maturity_date(start, p.term_months).isoformat()),
            ("到期利息", "Interest at maturity",
             money(term_interest(state["amount"].fen, p.rate, p.term_months)))
            ) + slip_summary(state, services, "slip")


def source_rules(state: FlowState, services: Services) -> list[Problem]:
    info = resolve(state, services, "from_account")
    if info is None:
        return [Problem("from_account", "转出账户不存在", "No such account")]
    if info.kind != "personal_current":
        return [Problem("from_account", "转出账户须为个人活期账户",
                        "The paying account must be a personal current account")]
    if info.status in ("closed", "settled"):
        return [Problem("from_account", f"转出账户已{STATUS_TEXT[info.status]}",
                        f"The account is {info.status}")]
    cust = customer_of(state, services)
    if cust is None or services.core.time.account_customer(info.number) != cust.id:
        return [Problem("from_account", "转出账户不属于该客户，不能转存定期",
                        "The paying account belongs to another customer")]
    if info.available is not None and state["amount"].fen > info.available:
        return [Problem("from_account", f"可用余额不足：可用 {money(max(info.available, 0))}",
                        "Insufficient available balance")]
    return []


def post_opening(state: FlowState, ctx: StepContext) -> CommitResult:
    time = ctx.core.time
    cust = customer_of(state, ctx.services)
    product = product_of(state, ctx.services)
    if cust is None or product is None:
        raise PostingRefused("no_customer", "客户或产品不存在", "No such customer or product")
    amount = state["amount"].fen
    slip = slip_to_issue(state, ctx.services, "slip")
    source = (cash_box(ctx) if is_cash(state)
              else require(state, ctx, "from_account").number)
    number = time.reserve_account_number(ctx.services.branch)
    ctx.bind("amount", number)
    spec = Opening(number=number, customer_id=cust.id, term_months=product.term_months,
                       amount=amount, rate_micro=product.rate.micro,
                       auto_rollover=state["rollover"] == "1", slip_number=slip,
                       source_account=None if is_cash(state) else source)
    memo = state.get("memo") or f"整存整取{TERM_TEXT[product.term_months]}开户"
    pins = () if is_cash(state) else ((source, "from_pin"),)
    posted = ctx.post((Leg(source, "D", amount, memo), Leg(number, "C", amount, memo)),
                      memo=memo, attach=(spec,) + checks(state, pins) + (
                          cash_counts(state, ctx, source, "in") + funds_declared(state)
                          if is_cash(state) else ()))
    d = time.deposit(number)
    voucher = make_voucher(ctx, posted, title=TimeDepositOpen.title,
                           title_en=TimeDepositOpen.title_en, account=number,
                           account_name=cust.name, amount_fen=amount, mode=state["mode"],
                           counter_account="" if is_cash(state) else source,
                           memo=f"{memo} 存单{slip} 利率{product.rate} 到期日{d.maturity_date}")
    return CommitResult((posted,), (voucher,),
                        (("account_number", number), ("slip_number", slip),
                         ("maturity_date", d.maturity_date.isoformat()),
                         ("rate", str(d.rate))))


class TimeDepositOpen(Flow):
    """整存整取开户 (CBUS 10110)."""

    code = "10110"
    title = "整存整取开户"
    title_en = "Time deposit opening"
    category = "personal"
    pages = (
        Page("customer", "客户", "Customer",
             fields=(IdField("customer_doc", "客户证件", "Customer ID document"),),
             rules=customer_rules, summary=customer_summary),
        Page("deposit", "存款信息", "Deposit", rules=deposit_rules, summary=deposit_summary,
             fields=(ChoiceField("term", "存期", "Term", choices=TERM_CHOICES, default="12"),
                     AmountField("amount", "存入金额", "Amount"),
                     ChoiceField("rollover", "转存标志", "Rollover", choices=ROLLOVER_CHOICES,
                                 default="0"),
                     ChoiceField("mode", "资金来源", "Funds from", choices=MODE_CHOICES,
                                 default="cash"),
                     issued_slip_field("slip"),
                     TextField("memo", "摘要", "Memo", required=False, max_len=40))),
        Page("cash", "现金", "Cash", skip_if=lambda s: not is_cash(s),
             rules=cash_page_rules(lambda s, _: s["amount"].fen if s["amount"] else None),
             summary=cash_summary("in"), preview=True,
             fields=note_fields("资金来源", "Source of funds")),
        Page("transfer", "转出账户", "Paying account", skip_if=lambda s: not is_transfer(s),
             rules=all_rules(source_rules, pin_rules("from_account", "from_pin")),
             summary=holder_summary("from_account"),
             fields=(AccountField("from_account", "转出账号/卡号", "Paying account or card"),
                     PinField("from_pin", "转出账户密码", "Paying account PIN", required=False,
                              help="由客户在密码键盘输入", help_en="Entered on the PIN pad"))),
        Commit("open", "开户记账", "Open and post", execute=post_opening, reversible=True),
    )
